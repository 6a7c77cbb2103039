import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { promtoolCheckRules, promtoolTestRules } from '../../src/adapters/process/promtool.ts';

/**
 * The generated label-quality alert (alerts/labels-fraud-labels.rules.yml) under promtool:
 * its suite passes, and fails when the rule loses its thin-data guards or its strict floor,
 * so the suite can fail. (test/integration/slo/promtool.test.ts also runs it with every suite.)
 */
const RULES = 'alerts/labels-fraud-labels.rules.yml';
const SUITE = 'alerts/tests/labels-fraud-labels.test.yml';
const scratch = mkdtempSync(join(tmpdir(), 'labels-promtool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function runWith(rules: string) {
  const dir = mkdtempSync(join(scratch, 'm-'));
  mkdirSync(join(dir, 'tests'));
  writeFileSync(join(dir, 'labels-fraud-labels.rules.yml'), rules);
  writeFileSync(join(dir, 'tests', 'suite.test.yml'), readFileSync(SUITE, 'utf8'));
  return promtoolTestRules(['suite.test.yml'], join(dir, 'tests'));
}

describe('label-quality alert', () => {
  it('passes promtool check rules and its suite', async () => {
    expect((await promtoolCheckRules([RULES])).ok).toBe(true);
    const result = await runWith(readFileSync(RULES, 'utf8'));
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it.each([
    [
      'the minLabels guard is dropped',
      (r: string) =>
        r.replaceAll(/\n\s*and on \(model, variant, window\)\n\s*label_quality_labelled\{[^}]*\} >= \d+/g, ''),
    ],
    [
      'the minPositives guard is dropped',
      (r: string) =>
        r.replaceAll(/\n\s*and on \(model, variant, window\)\n\s*label_quality_positives\{[^}]*\} >= \d+/g, ''),
    ],
    ['the floor becomes inclusive', (r: string) => r.replaceAll(/(label_quality_pr_auc\{[^}]*\}) < /g, '$1 <= ')],
  ])('fails its suite when %s', async (_name, mutate) => {
    const rules = readFileSync(RULES, 'utf8');
    const broken = mutate(rules);
    expect(broken).not.toBe(rules);
    const result = await runWith(broken);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/FAILED/);
  });
});
