import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  amtoolCheckConfig,
  amtoolRoutes,
  promtoolCheckRules,
  promtoolTestRules,
} from '../../../src/adapters/process/promtool.ts';

/**
 * The committed alerts/ (kept current by gen:check) through the Debian tools: every rule
 * file passes `promtool check rules`, every generated suite passes `promtool test rules`,
 * the Alertmanager config passes `amtool check-config` and routes as designed. A suite that
 * cannot fail proves nothing, so the rules are also broken on purpose and must fail it.
 */

const ALERTS = 'alerts';
const ruleFiles = readdirSync(ALERTS)
  .filter((f) => f.endsWith('.rules.yml'))
  .map((f) => join(ALERTS, f));
const suites = readdirSync(join(ALERTS, 'tests'))
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join(ALERTS, 'tests', f));

const scratch = mkdtempSync(join(tmpdir(), 'steadystate-promtool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('generated Prometheus rules and their promtool suites', () => {
  it('has a rule file and a page and a ticket suite for every SLO, plus the serving alerts', () => {
    const slos = ruleFiles.filter((f) => f.includes('slo-')).map((f) => /slo-(.+)\.rules\.yml$/.exec(f)?.[1]);
    expect(slos.length).toBeGreaterThanOrEqual(4);
    for (const slo of slos) {
      expect(suites).toContain(join(ALERTS, 'tests', `slo-${slo}.page.test.yml`));
      expect(suites).toContain(join(ALERTS, 'tests', `slo-${slo}.ticket.test.yml`));
    }
    expect(suites).toContain(join(ALERTS, 'tests', 'serving.test.yml'));
  });

  it('gives every alert severity, burn_tier, summary, description and a runbook_url whose section exists', () => {
    // Each runbook_url is <file relative to the repository>#<section>; SLO and serving alerts
    // point at alerts/RUNBOOK.md, drift and chaos alerts at their own runbooks.
    const anchorsOf = (file: string) =>
      new Set(
        [...readFileSync(join(ALERTS, '..', file), 'utf8').matchAll(/^## (\S+)$/gm)].map((m) =>
          (m[1] ?? '').toLowerCase(),
        ),
      );
    const alerts = ruleFiles.flatMap((f) =>
      (parse(readFileSync(f, 'utf8')) as { groups: { rules: Record<string, unknown>[] }[] }).groups
        .flatMap((g) => g.rules)
        .filter((r) => 'alert' in r),
    ) as { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[];
    expect(alerts.length).toBeGreaterThanOrEqual(4 * 6 + 4);
    for (const a of alerts) {
      expect(['page', 'ticket'], a.alert).toContain(a.labels.severity);
      expect(a.labels.burn_tier, a.alert).toMatch(/^(fast|medium|slow|gradual|period|none)$/);
      expect(a.annotations.summary, a.alert).toBeTruthy();
      expect(a.annotations.description, a.alert).toBeTruthy();
      const [, file, anchor] = /^([\w/.-]+\.md)#(.+)$/.exec(a.annotations.runbook_url ?? '') ?? [];
      expect(file && anchorsOf(file).has(anchor ?? ''), `${a.alert}: ${a.annotations.runbook_url}`).toBe(true);
    }
  });

  it('passes promtool check rules', async () => {
    const result = await promtoolCheckRules(ruleFiles);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.ok).toBe(true);
  });

  it('passes every generated promtool suite (two at a time)', async () => {
    const queue = [...suites];
    const failures: string[] = [];
    await Promise.all(
      [0, 1].map(async () => {
        for (let suite = queue.shift(); suite; suite = queue.shift()) {
          const result = await promtoolTestRules([suite]);
          if (!result.ok) failures.push(`${suite}:\n${result.output.slice(0, 4000)}`);
        }
      }),
    );
    expect(failures).toEqual([]);
  }, 240_000);

  it.each([
    [
      'the fast page factor is halved (7.2 instead of 14.4)',
      'a burn just under the fast',
      (r: string) => r.replaceAll('> 14.4', '> 7.2'),
    ],
    [
      'a missing error series is no longer counted as zero',
      'a missing error series',
      (r: string) => r.replaceAll(/ or 0 \* sum\(rate\(inference_requests_total\{model="fraud"\}\[(\w+)\]\)\)/g, ''),
    ],
    [
      'the low-traffic guard is dropped',
      'sporadic failures under the low-traffic guard',
      (r: string) => r.replaceAll(/\n\s*and\n\s*slo:events:rate5m\{[^}]*\} >= 0\.1/g, ''),
    ],
    // Issue 19: with the rate guard alone, an outage under 0.1 events/s never paged.
    [
      'the outage escape of the low-traffic guard is dropped (steady low traffic)',
      'a total outage at 0.04 events/s',
      (r: string) => r.replaceAll(/\n\s*or\n\s*\(\n[\s\S]*?\n\s*\)/g, ''),
    ],
    [
      'the outage escape of the low-traffic guard is dropped (traffic cut from 10 to 0.08 events/s)',
      'a total outage that cuts traffic',
      (r: string) => r.replaceAll(/\n\s*or\n\s*\(\n[\s\S]*?\n\s*\)/g, ''),
    ],
    [
      'the outage escape no longer needs a near-total short window',
      'sporadic failures under the low-traffic guard',
      (r: string) =>
        r.replaceAll(/\n\s*and\n\s*max without \(window\) \(slo:sli_error:ratio_rate\{[^}]*\} >= 0\.9\)/g, ''),
    ],
    [
      'the outage escape no longer needs a minimum count of failures',
      'a few failed requests in a row',
      (r: string) => r.replaceAll(/\n\s*and\n\s*max without \(window\) \(slo:bad_events:increase\{[^}]*\} >= 5\)/g, ''),
    ],
    [
      'the period window averages 5m ratios instead of weighting by events',
      'a total outage',
      (r: string) =>
        r.replace(
          /sum_over_time\(slo:bad_events:rate5m\{slo="fraud-availability"\}\[30d\]\)\n\s*\/\n\s*sum_over_time\(slo:events:rate5m\{slo="fraud-availability"\}\[30d\]\)/,
          'avg_over_time(slo:sli_error:ratio_rate{slo="fraud-availability", window="5m"}[30d])',
        ),
    ],
  ])(
    'fails the availability page suite when %s',
    async (_name, group, mutate) => {
      const rules = readFileSync(join(ALERTS, 'slo-fraud-availability.rules.yml'), 'utf8');
      const broken = mutate(rules);
      expect(broken).not.toBe(rules);
      const dir = mkdtempSync(join(scratch, 'm-'));
      mkdirSync(join(dir, 'tests'));
      writeFileSync(join(dir, 'slo-fraud-availability.rules.yml'), broken);
      // Only the test group that exercises the broken part, to keep this quick.
      const suite = parse(readFileSync(join(ALERTS, 'tests', 'slo-fraud-availability.page.test.yml'), 'utf8')) as {
        tests: { name: string }[];
      };
      suite.tests = suite.tests.filter((t) => t.name.startsWith(group));
      expect(suite.tests.length).toBeGreaterThan(0);
      writeFileSync(join(dir, 'tests', 'suite.test.yml'), stringify(suite));
      const result = await promtoolTestRules(['suite.test.yml'], join(dir, 'tests'));
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/FAILED/);
    },
    120_000,
  );
});

describe('generated Alertmanager config', () => {
  const config = join(ALERTS, 'alertmanager.yml');

  it('passes amtool check-config', async () => {
    const result = await amtoolCheckConfig(config);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it.each([
    ['a page goes to the page receiver', { severity: 'page', slo: 'fraud-availability', model: 'fraud' }, ['page']],
    ['a ticket goes to the ticket receiver', { severity: 'ticket', slo: 'fraud-latency', model: 'fraud' }, ['ticket']],
    [
      'a serving ticket without an SLO goes to tickets',
      { severity: 'ticket', alertname: 'TritonGpuMemoryHigh' },
      ['ticket'],
    ],
    ['an alert without severity falls back to tickets', { alertname: 'Unknown' }, ['ticket']],
  ])('%s', async (_name, labels, receivers) => {
    expect(await amtoolRoutes(config, labels)).toEqual(receivers);
  });
});
