import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../../src/adapters/process/paths.ts';
import { isGood, type LoadRecord, tierOf } from '../../../../src/core/load/record.ts';
import { loadSeries, nearestRankQuantile, recentP99, summarizeLoad } from '../../../../src/core/load/series.ts';

function record(overrides: Partial<LoadRecord>): LoadRecord {
  return {
    scheduledMs: 0,
    sendLagMs: 0,
    latencyMs: 10,
    serviceMs: 10,
    status: 200,
    servedBy: 'primary',
    variant: 'v1',
    kind: 'fresh',
    fraudLike: false,
    error: null,
    dropped: false,
    ...overrides,
  };
}

describe('nearest-rank quantiles', () => {
  it('equal numpy.quantile(method="inverted_cdf") on the same samples (property, numpy as reference)', () => {
    const cases = fc.sample(
      fc.record({
        values: fc.array(fc.double({ min: 0, max: 10_000, noNaN: true }), { minLength: 1, maxLength: 400 }),
        q: fc.constantFrom(0.5, 0.9, 0.95, 0.99, 0.999),
      }),
      { numRuns: 150, seed: 42 },
    );
    const script = [
      'import json, sys, numpy as np',
      'cases = json.load(sys.stdin)',
      'print(json.dumps([float(np.quantile(np.array(c["values"]), c["q"], method="inverted_cdf")) for c in cases]))',
    ].join('\n');
    const reference = JSON.parse(
      execFileSync(paths.peersPython(), ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' }),
    ) as number[];
    cases.forEach((c, i) => {
      const ours = nearestRankQuantile(
        [...c.values].sort((a, b) => a - b),
        c.q,
      );
      expect({ i, ours }).toEqual({ i, ours: reference[i] });
    });
  });

  it('is NaN ("no data") for no samples, never 0', () => {
    expect(nearestRankQuantile([], 0.99)).toBeNaN();
  });
});

describe('classifying answers', () => {
  it.each<[string, Partial<LoadRecord>, string, boolean]>([
    ['a primary answer is good', { servedBy: 'primary' }, 'primary', true],
    [
      'a stale cache answer is good (the playbook counts cached answers)',
      { servedBy: 'stale_cache' },
      'stale_cache',
      true,
    ],
    ['a fallback model answer is good', { servedBy: 'fallback_model' }, 'fallback_model', true],
    ['a default prediction is an answer but not a good event', { servedBy: 'default' }, 'default', false],
    ['a 503 without served_by is load shedding', { status: 503, servedBy: null }, 'shed', false],
    ['a 500 without served_by is an error', { status: 500, servedBy: null }, 'error', false],
    ['no HTTP answer at all is its own tier', { status: 0, servedBy: null, error: 'timeout' }, 'no_answer', false],
    ['an unknown served_by with a 200 is an error, not silently good', { servedBy: 'magic' }, 'error', false],
  ])('%s', (_name, overrides, tier, good) => {
    const r = record(overrides);
    expect(tierOf(r)).toBe(tier);
    expect(isGood(r)).toBe(good);
  });
});

describe('summaries and series', () => {
  it('summarises error ratio, tiers and kinds, leaving dropped requests out of the denominators', () => {
    const records = [
      record({ servedBy: 'primary', latencyMs: 5 }),
      record({ servedBy: 'cache', kind: 'repeat', latencyMs: 1 }),
      record({ servedBy: 'default', kind: 'hot', latencyMs: 80 }),
      record({ status: 0, servedBy: null, latencyMs: 5000, fraudLike: true }),
      record({ dropped: true, status: 0, servedBy: null, latencyMs: Number.NaN }),
    ];
    const s = summarizeLoad(records);
    expect(s).toMatchObject({ requests: 4, dropped: 1, good: 2, errorRatio: 0.5, p50Ms: 5, p99Ms: 5000 });
    expect(s.tierShare).toMatchObject({ primary: 0.25, cache: 0.25, default: 0.25, no_answer: 0.25, error: 0 });
    expect([s.repeatShare, s.hotShare, s.fraudLikeShare]).toEqual([0.25, 0.25, 0.25]);
  });

  it('buckets by arrival time and leaves empty buckets as no data', () => {
    const records = [
      record({ scheduledMs: 100, latencyMs: 10 }),
      record({ scheduledMs: 900, latencyMs: 30, status: 500, servedBy: null }),
      record({ scheduledMs: 2_500, latencyMs: 7 }),
    ];
    const series = loadSeries(records, 1_000, 3_000);
    expect(series.map((p) => p.tMs)).toEqual([0, 1_000, 2_000]);
    expect(series.map((p) => p.requests)).toEqual([2, 0, 1]);
    expect(series[0]).toMatchObject({ p99Ms: 30, errorRatio: 0.5 });
    expect(series[1]?.p99Ms).toBeNaN();
    expect(series[1]?.errorRatio).toBeNaN();
    expect(series[2]).toMatchObject({ p99Ms: 7, errorRatio: 0 });
  });

  it('puts every request in exactly one bucket (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 59_999 }), { maxLength: 300 }),
        fc.integer({ min: 100, max: 20_000 }),
        (times, bucket) => {
          const series = loadSeries(
            times.map((t) => record({ scheduledMs: t })),
            bucket,
            60_000,
          );
          expect(series.reduce((n, p) => n + p.requests, 0)).toBe(times.length);
        },
      ),
    );
  });

  it('reports the live p99 over the recent window only', () => {
    const done = [
      record({ scheduledMs: 0, latencyMs: 900 }), // completes at 900: outside a 1 s window at t=5000
      record({ scheduledMs: 4_200, latencyMs: 50 }),
      record({ scheduledMs: 4_500, latencyMs: 20 }),
    ];
    expect(recentP99(done, 5_000, 1_000)).toBe(50);
    expect(recentP99(done, 20_000, 1_000)).toBeNaN();
  });
});
