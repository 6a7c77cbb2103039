import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Bucket, histogramQuantile } from '../../../src/core/chaos/histogram-quantile.ts';
import { DURATION_BUCKETS } from '../../../src/core/metrics/names.ts';

const LE = [...DURATION_BUCKETS.map(String), '+Inf'];
const bucketsOf = (counts: number[]): Bucket[] =>
  counts.map((count, i) => ({ upperBound: LE[i] === '+Inf' ? Number.POSITIVE_INFINITY : Number(LE[i]), count }));

/** Cumulative counts, as a histogram's buckets are: every bucket holds the ones below it. */
const cumulative = fc
  .array(fc.nat({ max: 500 }), { minLength: LE.length, maxLength: LE.length })
  .map((xs) => {
    let sum = 0;
    return xs.map((x) => {
      sum += x;
      return sum;
    });
  })
  .filter((c) => (c[c.length - 1] ?? 0) > 0);
/** Any counts, including a lower count after a higher one (a scrape race Prometheus repairs). */
const ragged = fc
  .array(fc.nat({ max: 500 }), { minLength: LE.length, maxLength: LE.length })
  .filter((c) => (c[c.length - 1] ?? 0) > 0 && c.slice(0, -1).every((x) => x <= (c[c.length - 1] as number)));
const quantile = fc.double({ min: 0.001, max: 0.999, noNaN: true });

describe('histogramQuantile equals Prometheus 2.42 histogram_quantile (promtool) on the same buckets', () => {
  it('for 120 generated histograms and quantiles, cumulative and ragged', () => {
    const cases = [
      ...fc.sample(fc.tuple(cumulative, quantile), { numRuns: 80, seed: 20261128 }),
      ...fc.sample(fc.tuple(ragged, quantile), { numRuns: 40, seed: 7 }),
    ];
    const input_series = cases.flatMap(([counts], c) =>
      counts.map((count, i) => ({ series: `h_bucket{case="${c}",le="${LE[i]}"}`, values: `${count}x2` })),
    );
    const promql_expr_test = cases.map(([counts, q], c) => ({
      expr: `histogram_quantile(${q}, h_bucket{case="${c}"})`,
      eval_time: '1m',
      exp_samples: [{ labels: `{case="${c}"}`, value: histogramQuantile(q, bucketsOf(counts)) }],
    }));
    const dir = mkdtempSync(join(tmpdir(), 'hq-'));
    try {
      const file = join(dir, 'hq.test.yml');
      writeFileSync(file, stringify({ rule_files: [], tests: [{ interval: '1m', input_series, promql_expr_test }] }));
      expect(execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8' })).toMatch(/SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('histogramQuantile properties', () => {
  it('never decreases as q grows, and stays within [0, the highest finite bound]', () => {
    fc.assert(
      fc.property(cumulative, quantile, quantile, (counts, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const buckets = bucketsOf(counts);
        const x = histogramQuantile(lo, buckets);
        const y = histogramQuantile(hi, buckets);
        return x <= y + 1e-12 && x >= 0 && y <= (DURATION_BUCKETS[DURATION_BUCKETS.length - 1] as number);
      }),
    );
  });

  it.each<[string, number, Bucket[], number]>([
    ['no +Inf bucket', 0.5, [{ upperBound: 0.1, count: 3 }], Number.NaN],
    [
      'no observations',
      0.5,
      [
        { upperBound: 0.1, count: 0 },
        { upperBound: Number.POSITIVE_INFINITY, count: 0 },
      ],
      Number.NaN,
    ],
    [
      'a rank in the +Inf bucket: the highest finite bound',
      0.99,
      [
        { upperBound: 0.1, count: 1 },
        { upperBound: Number.POSITIVE_INFINITY, count: 10 },
      ],
      0.1,
    ],
    [
      'interpolation inside the first bucket, from 0',
      0.5,
      [
        { upperBound: 0.1, count: 10 },
        { upperBound: Number.POSITIVE_INFINITY, count: 10 },
      ],
      0.05,
    ],
    [
      'q above 1',
      1.5,
      [
        { upperBound: 0.1, count: 10 },
        { upperBound: Number.POSITIVE_INFINITY, count: 10 },
      ],
      Number.POSITIVE_INFINITY,
    ],
  ])('%s', (_name, q, buckets, expected) => {
    expect(histogramQuantile(q, buckets)).toBe(expected);
  });
});
