import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { promtoolCheckRules, promtoolTestRules } from '../../src/adapters/process/promtool.ts';

/**
 * The generated feature-store alerts (alerts/feature-store.rules.yml) under promtool: the
 * suite passes, and fails when the freshness bound slips off the TTL or the skew bound
 * becomes inclusive, so the suite can fail.
 */
const RULES = 'alerts/feature-store.rules.yml';
const SUITE = 'alerts/tests/feature-store.test.yml';
const scratch = mkdtempSync(join(tmpdir(), 'feature-store-promtool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function runWith(rules: string) {
  const dir = mkdtempSync(join(scratch, 'm-'));
  mkdirSync(join(dir, 'tests'));
  writeFileSync(join(dir, 'feature-store.rules.yml'), rules);
  writeFileSync(join(dir, 'tests', 'suite.test.yml'), readFileSync(SUITE, 'utf8'));
  return promtoolTestRules(['suite.test.yml'], join(dir, 'tests'));
}

describe('feature-store alerts', () => {
  it('pass promtool check rules and their suite', async () => {
    expect((await promtoolCheckRules([RULES])).ok).toBe(true);
    const result = await runWith(readFileSync(RULES, 'utf8'));
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it.each([
    [
      'staleness counts from the TTL inclusive',
      (r: string) => r.replaceAll(/(freshness_seconds\{[^}]*\}) > /g, '$1 >= '),
    ],
    [
      'the velocity bound is a day late',
      (r: string) => r.replace('view="user_velocity"} > 172800', 'view="user_velocity"} > 259200'),
    ],
    [
      'skew at exactly 1% alerts',
      (r: string) => r.replace('feature_skew_mismatch_ratio > 0.01', 'feature_skew_mismatch_ratio >= 0.01'),
    ],
  ])('fail their suite when %s', async (_name, mutate) => {
    const rules = readFileSync(RULES, 'utf8');
    const broken = mutate(rules);
    expect(broken).not.toBe(rules);
    const result = await runWith(broken);
    expect(result.ok).toBe(false);
  });
});
