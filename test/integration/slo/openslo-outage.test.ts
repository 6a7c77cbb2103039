import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { promtoolTestRules } from '../../../src/adapters/process/promtool.ts';
import { importOpenSlo } from '../../../src/core/slo/openslo.ts';
import { resolveSlo } from '../../../src/core/slo/resolve.ts';
import { sloRules } from '../../../src/generators/alerts/rules.ts';
import { sloSuites } from '../../../src/generators/alerts/suites.ts';

/**
 * Issue 19 for imported SLOs: Sloth's own OpenSLO v1alpha example (hyphenated service,
 * windowed queries) imported, its rules generated, and the generated page suite, outage
 * cases included, run through promtool on series that its selectors match.
 */

const scratch = mkdtempSync(join(tmpdir(), 'steadystate-openslo-outage-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const [doc] = importOpenSlo(readFileSync('test/unit/core/slo/fixtures/sloth-openslo-getting-started.yml', 'utf8'));
const imported = resolveSlo(doc!);
// Raw-PromQL SLIs carry no synthetic series; these two match the imported selectors
// (good: code!~"(5..|429)", total: every code of job="myservice").
const series = (code: string) => `http_request_duration_seconds_count{job="myservice",code="${code}"}`;
const slo = {
  ...imported,
  sli: {
    ...imported.sli,
    synthetic: { good: [{ series: series('200'), share: 1 }], bad: [{ series: series('500'), share: 1 }], total: [] },
  },
};

describe('an SLO imported from Sloth pages on a low-traffic outage', () => {
  const rules = sloRules(slo);
  const suites = sloSuites(slo, rules, 'imported.rules.yml');
  // absent() of an imported selector carries its equality labels (job="myservice"), which
  // the generated expectation of the absent case does not know; that case is left out.
  const page = { ...suites!.page, tests: suites!.page.tests.filter((t) => !t.name.startsWith('no series at all')) };
  const names = page.tests.map((t) => t.name);

  it('has the outage cases in its generated page suite', () => {
    expect(names.some((n) => n.startsWith('a total outage at 0.04 events/s'))).toBe(true);
    expect(names.some((n) => n.startsWith('a total outage that cuts traffic from 10 to 0.08 events/s'))).toBe(true);
    expect(names.some((n) => n.startsWith('sporadic failures under the low-traffic guard'))).toBe(true);
  });

  it('passes the suite under promtool, and fails it once the outage escape is removed', async () => {
    const ruleText = stringify(rules, { lineWidth: 0 });
    writeFileSync(join(scratch, 'imported.rules.yml'), ruleText);
    writeFileSync(join(scratch, 'page.test.yml'), stringify(page, { lineWidth: 0 }));
    const ok = await promtoolTestRules(['page.test.yml'], scratch);
    expect(ok.output).toMatch(/SUCCESS/);
    expect(ok.ok).toBe(true);

    const broken = join(scratch, 'broken');
    mkdirSync(broken);
    const without = ruleText.replaceAll(/\n\s*or\n\s*\(\n[\s\S]*?\n\s*\)/g, '');
    expect(without).not.toBe(ruleText);
    writeFileSync(join(broken, 'imported.rules.yml'), without);
    const outageOnly = { ...page, tests: page.tests.filter((t) => t.name.startsWith('a total outage at 0.04')) };
    writeFileSync(join(broken, 'page.test.yml'), stringify(outageOnly, { lineWidth: 0 }));
    const failed = await promtoolTestRules(['page.test.yml'], broken);
    expect(failed.ok).toBe(false);
    expect(failed.output).toMatch(/FAILED/);
  }, 120_000);
});
