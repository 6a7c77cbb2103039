import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/core/random/mulberry32.ts';
import type { QualityReport } from '../../../src/services/labels/monitor.ts';

/**
 * `steadystate labels ingest` and `labels report` on the repository's spec (LabelMonitor
 * fraud-labels: tolerance 0.05, minLabels 200, minPositives 10, v1 baseline 0.2144):
 * v1 answers with scores unrelated to the truth (PR AUC near the base rate: degraded);
 * v2 has too few labels to judge (no data, never a pass or a fail).
 */
const dir = mkdtempSync(join(tmpdir(), 'labels-cli-'));
copyFileSync('steadystate.yaml', join(dir, 'steadystate.yaml'));
mkdirSync(join(dir, '.steadystate'), { recursive: true });
const random = mulberry32(7);
const now = Date.now();
const predictions: string[] = [];
const labels: string[] = ['request_id,label,labelled_at'];
for (let i = 0; i < 400; i++) {
  const variant = i < 380 ? 'v1' : 'v2';
  const ts = new Date(now - 2 * 3600_000).toISOString();
  const score = random();
  const truth = i % 10 === 0 ? 1 : 0;
  predictions.push(
    JSON.stringify({
      ts,
      request_id: `r${i}`,
      user_id: 'u',
      model: 'fraud',
      variant,
      served_by: 'primary',
      score,
      label: score >= 0.5 ? 1 : 0,
      features: {},
    }),
  );
  labels.push(`r${i},${truth},${new Date(now - 3600_000).toISOString()}`);
}
writeFileSync(join(dir, '.steadystate', 'predictions.jsonl'), `${predictions.join('\n')}\n`);
writeFileSync(join(dir, 'labels.csv'), `${labels.join('\n')}\nnot-logged-anywhere,1,\n`);

const cli = (...args: string[]) =>
  spawnSync(
    process.execPath,
    [join(process.cwd(), 'src/cli/main.ts'), 'labels', ...args, '--spec', join(dir, 'steadystate.yaml')],
    {
      encoding: 'utf8',
      cwd: dir,
    },
  );

describe('steadystate labels', () => {
  it('ingest reports what it took, then nothing new on a second run', () => {
    const first = cli('ingest', join(dir, 'labels.csv'));
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^accepted 400, duplicates 0, conflicts 0, unknown \d, unsampled \d/);
    expect(first.stdout).toMatch(/unknown 1, unsampled 0|unknown 0, unsampled 1/);
    const second = cli('ingest', join(dir, 'labels.csv'));
    expect(second.stdout).toMatch(/^accepted 0, duplicates 400/);
  });

  it('report --json judges v1 degraded and v2 thin, and exits 2', () => {
    const run = cli('report', '--json');
    expect(run.status, run.stderr).toBe(2);
    const report = JSON.parse(run.stdout) as QualityReport;
    const v1 = report.rows.find((r) => r.variant === 'v1' && r.window === '7d');
    expect(v1).toMatchObject({ predictions: 380, labelled: 380, positives: 38, coverage: 1, delayMedianSeconds: 3600 });
    expect(v1?.verdict?.outcome).toBe('degraded');
    const v2 = report.rows.find((r) => r.variant === 'v2' && r.window === '7d');
    expect(v2?.verdict).toEqual({ outcome: 'no_data', reason: '20 labels < 200' });
  });

  it('report prints a table with one line per variant and window', () => {
    const run = cli('report');
    const lines = run.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^variant\s+window\s+sampled\s+labelled/);
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'v1 1d',
      'v1 7d',
      'v2 1d',
      'v2 7d',
    ]);
    expect(lines[3]).toMatch(/degraded$/);
  });
});

describe('steadystate labels ab', () => {
  it('runs the sequential test on fraud caught per 1,000 labelled transactions (thin here: no data)', () => {
    const run = cli('ab', '--control', 'v1', '--treatment', 'v2');
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      metric: string;
      control: { n: number };
      treatment: { n: number };
      decision: string;
    };
    expect(result).toMatchObject({
      metric: 'fraud_caught_per_1000',
      control: { n: 380 },
      treatment: { n: 20 },
      decision: 'no_data',
    });
  });
});
