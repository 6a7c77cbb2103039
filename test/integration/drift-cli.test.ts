/**
 * The drift commands end to end on the real training and test splits (serving/data, written
 * by scripts/setup.sh) and the real ONNX models (the profile scores the reference with them).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/drift/seeded-random.ts';

const TRAIN = 'serving/data/train.csv';
const TEST = 'serving/data/test.csv';
const PROFILE = 'serving/model_repository/reference_profile.json';

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

let dir = '';
let header: string[] = [];
let rows: string[][] = [];
beforeAll(() => {
  for (const file of [TRAIN, TEST, PROFILE]) {
    if (!existsSync(file))
      throw new Error(`${file} is missing: run scripts/setup.sh (it trains the models and builds the profile)`);
  }
  dir = mkdtempSync(join(tmpdir(), 'drift-cli-'));
  const lines = readFileSync(TEST, 'utf8').trimEnd().split('\n');
  header = (lines[0] as string).split(',');
  rows = lines.slice(1, 12_001).map((l) => l.split(','));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const col = (name: string) => header.indexOf(name);
const writeCsv = (name: string, data: string[][], cols = header) => {
  const file = join(dir, name);
  writeFileSync(file, `${cols.join(',')}\n${data.map((r) => r.join(',')).join('\n')}\n`);
  return file;
};

describe('steadystate drift profile', () => {
  it('is deterministic and records the base rates of the label and of each model', () => {
    const subset = writeCsv(
      'train-subset.csv',
      readFileSync(TRAIN, 'utf8')
        .trimEnd()
        .split('\n')
        .slice(1, 20_001)
        .map((l) => l.split(',')),
    );
    const a = cli('drift', 'profile', '--data', subset, '--out', join(dir, 'a.json'));
    const b = cli('drift', 'profile', '--data', subset, '--out', join(dir, 'b.json'));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stdout).toMatch(/13 features from 20000 rows.*fraud_v1 P\(1\)=0\.\d+/);
    const first = readFileSync(join(dir, 'a.json'), 'utf8');
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe(first);
    const profile = JSON.parse(first);
    expect(profile.version).toBe(1);
    expect(Object.keys(profile.predictions)).toEqual(['fraud_v1', 'fraud_v2', 'fraud_fallback']);
    expect(profile.labels.column).toBe('is_fraud');
  });

  it('names the missing column of a file that is not a split', () => {
    const bad = writeCsv('bad.csv', [['1', '2']], ['amount', 'hour']);
    const result = cli('drift', 'profile', '--data', bad, '--out', join(dir, 'x.json'), '--no-scores');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/lacks the feature columns account_age_days, .*is it the right split\?/);
  });
});

describe('steadystate drift check', () => {
  it('finds no drift in the held-out test split (exit 0)', () => {
    const result = cli('drift', 'check', '--current', writeCsv('same.csv', rows), '--label-field', 'is_fraud');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/outcome: OK/);
    expect(result.stdout).toMatch(/amount +ok +12000 +no drift: wasserstein/);
  });

  it('finds drift when amounts grow 50% and card-not-present doubles (exit 2), naming the features', () => {
    const rand = seededRandom(4);
    const shifted = rows.map((r) => {
      const copy = [...r];
      copy[col('amount')] = String(Number(r[col('amount')]) * 1.5);
      if (rand.next() < 0.3) copy[col('channel')] = 'online';
      return copy;
    });
    const result = cli('drift', 'check', '--current', writeCsv('shifted.csv', shifted), '--json');
    expect(result.code, result.stderr).toBe(2);
    const { report } = JSON.parse(result.stdout);
    const outcome = Object.fromEntries(
      report.features.map((f: { feature: string; outcome: string }) => [f.feature, f.outcome]),
    );
    expect(outcome.amount).toBe('drift');
    expect(outcome.channel).toBe('drift');
    expect(outcome.hour).toBe('ok');
  });

  it('reads gateway prediction logs (JSONL) and judges P(fraud=1) per variant', () => {
    const rand = seededRandom(9);
    const lines = rows.map((r, i) => {
      const features = Object.fromEntries(header.filter((h) => h !== 'is_fraud').map((h) => [h, r[col(h)]]));
      const variant = i % 5 === 0 ? 'v2' : 'v1';
      // three times the reference rate of v1's predicted positives: clearly more than 10%
      const score = rand.next() < 0.033 ? 0.9 : 0.01;
      return JSON.stringify({ request_id: `r${i}`, user_id: `u${i}`, features, score, variant, served_by: 'primary' });
    });
    const log = join(dir, 'predictions.jsonl');
    writeFileSync(log, `${lines.join('\n')}\n`);
    const result = cli('drift', 'check', '--current', log, '--json');
    const { report } = JSON.parse(result.stdout);
    expect(report.predictions.outcome).toBe('drift');
    expect(report.predictions.variants.map((v: { variant: string; model: string }) => [v.variant, v.model])).toEqual([
      ['v1', 'fraud_v1'],
      ['v2', 'fraud_v2'],
    ]);
    expect(result.code).toBe(2);
  });

  it('marks a feature column the file lacks as "no data" (a schema mismatch) and judges the rest', () => {
    const cols = header.filter((h) => h !== 'amount');
    const result = cli(
      'drift',
      'check',
      '--current',
      writeCsv(
        'no-amount.csv',
        rows.slice(0, 3000).map((r) => r.filter((_, i) => header[i] !== 'amount')),
        cols,
      ),
      '--json',
    );
    const { report } = JSON.parse(result.stdout);
    const amount = report.features.find((f: { feature: string }) => f.feature === 'amount');
    expect(amount.outcome).toBe('no_data');
    expect(amount.reason).toMatch(/no "amount" field at all \(a schema mismatch/);
    expect(result.code).toBe(0); // the other features are judged: no drift
  });

  it('is "no data" (exit 3) for an empty file', () => {
    const result = cli('drift', 'check', '--current', writeCsv('empty.csv', []));
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/outcome: NO_DATA/);
  });

  it('fails with the file and the fix when the current file is missing', () => {
    const result = cli('drift', 'check', '--current', join(dir, 'nope.jsonl'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read .*nope\.jsonl.*pass --current/);
  });
});

describe('steadystate drift skew', () => {
  it('joins the prediction log with offline features and reports per-feature mismatches', () => {
    const offline = writeCsv(
      'offline.csv',
      rows.slice(0, 2000).map((r, i) => [`u${i}`, ...r]),
      ['user_id', ...header],
    );
    // serving recomputes amount rounded to whole dollars for every 4th user (the playbook's SQL vs Python skew)
    const log = join(dir, 'skew.jsonl');
    writeFileSync(
      log,
      `${rows
        .slice(0, 2000)
        .map((r, i) => {
          const features = Object.fromEntries(header.filter((h) => h !== 'is_fraud').map((h) => [h, r[col(h)]]));
          if (i % 4 === 0) features.amount = String(Math.round(Number(features.amount)) + 1);
          return JSON.stringify({ request_id: `r${i}`, user_id: `u${i}`, features, score: 0.1, variant: 'v1' });
        })
        .join('\n')}\n{"request_id":"orphan","user_id":"nobody","features":{}}\n`,
    );
    const result = cli('drift', 'skew', '--log', log, '--offline', offline, '--json');
    expect(result.code, result.stderr).toBe(0);
    const { report, unmatched } = JSON.parse(result.stdout);
    const amount = report.features.find((f: { feature: string }) => f.feature === 'amount');
    const hour = report.features.find((f: { feature: string }) => f.feature === 'hour');
    expect(report.pairs).toBe(2000);
    expect(unmatched).toBe(1);
    expect(amount.mismatchRate).toBeCloseTo(0.25, 2);
    expect(amount.largest).toHaveLength(5);
    expect(hour.mismatches).toBe(0);
  });
});
