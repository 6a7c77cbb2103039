import { describe, expect, it } from 'vitest';
import { binLabel } from '../../../../src/core/drift/bins.ts';
import { detectDrift } from '../../../../src/core/drift/detect.ts';
import type { ReferenceProfile } from '../../../../src/core/drift/profile.ts';
import { seededRandom } from '../../../../src/core/drift/seeded-random.ts';
import { emptyWindow, mergeWindows, StreamAccumulator, type WindowCounts } from '../../../../src/core/drift/window.ts';
import { referenceProfile, row, SETTINGS, windowOf } from './fixtures/synthetic.ts';

const profile = referenceProfile(50_000, 4);
const healthy = () => windowOf(profile, seededRandom(8), 5000);
const feature = (w: WindowCounts, name: string) => {
  const verdict = detectDrift(profile, SETTINGS, w).features.find((f) => f.feature === name);
  if (!verdict) throw new Error(`no verdict for ${name}`);
  return verdict;
};

describe('bad input gives clear outcomes, not exceptions', () => {
  it.each<[string, () => WindowCounts, string, string, RegExp]>([
    ['an empty window', () => emptyWindow(), 'score_like', 'no_data', /no rows counted/],
    [
      'fewer rows than minSamples',
      () => windowOf(profile, seededRandom(1), 200),
      'score_like',
      'no_data',
      /n=200 is below minSamples=1000/,
    ],
    [
      'counts in bins the profile does not have (a different profile)',
      () => ({ features: { score_like: { b00: 500, b42: 800 } }, predictions: {} }),
      'score_like',
      'no_data',
      /bins the reference profile does not have \(b42\).*different profiles/,
    ],
    [
      'a field the data lacks entirely (schema mismatch)',
      () => ({ ...healthy(), absent: ['amount'] }),
      'amount',
      'no_data',
      /no "amount" field at all \(a schema mismatch/,
    ],
    [
      'NaN, negative and infinite counts (treated as nothing counted)',
      () => ({
        features: { score_like: { b00: Number.NaN, b01: -5, b02: Number.POSITIVE_INFINITY } },
        predictions: {},
      }),
      'score_like',
      'no_data',
      /no rows counted/,
    ],
  ])('%s', (_name, window, name, outcome, reason) => {
    const verdict = feature(window(), name);
    expect(verdict.outcome).toBe(outcome);
    expect(verdict.reason).toMatch(reason);
  });

  it('a window of NaN values is missing data: drift, and the share says why', () => {
    const accumulator = new StreamAccumulator(profile, { sampleSize: 0, seed: 1 });
    const rand = seededRandom(2);
    for (let i = 0; i < 5000; i++) accumulator.add({ ...row(rand), score_like: i % 2 ? Number.NaN : rand.normal() });
    const verdict = feature(accumulator.snapshot(), 'score_like');
    expect(verdict.shares.missing).toBeCloseTo(0.5, 5);
    expect(verdict.outcome).toBe('drift');
    expect(verdict.reason).toMatch(/psi .* >= 0\.1 \(n=5000, missing 50\.0%\)/);
  });

  it('unseen categories land in their own bin and move the distances', () => {
    const accumulator = new StreamAccumulator(profile, { sampleSize: 0, seed: 1 });
    const rand = seededRandom(3);
    for (let i = 0; i < 5000; i++)
      accumulator.add({ ...row(rand), channel: i % 5 === 0 ? 'crypto-wallet' : row(rand).channel });
    const verdict = feature(accumulator.snapshot(), 'channel');
    expect(verdict.shares.unseen).toBeCloseTo(0.2, 5);
    expect(verdict.outcome).toBe('drift');
    expect(verdict.statistics.find((s) => s.statistic === 'jensenshannon')?.exceeded).toBe(true);
    expect(verdict.reason).toMatch(/unseen 20\.0%/);
  });

  it('reports features the profile does not know instead of failing', () => {
    const window = healthy();
    window.features.session_length = { b00: 10 };
    const report = detectDrift(profile, SETTINGS, window);
    expect(report.unknownFeatures).toEqual(['session_length']);
    expect(report.outcome).toBe('ok');
  });

  it('keeps predictions of variants without a baseline out of the rate, and says so', () => {
    const { labels: _dropped, ...withoutLabels } = profile;
    const noBaseline: ReferenceProfile = withoutLabels;
    const report = detectDrift(noBaseline, SETTINGS, { features: {}, predictions: { v9: { '1': 30, '0': 5000 } } });
    expect(report.predictions.outcome).toBe('no_data');
    expect(report.predictions.variants[0]?.reason).toMatch(/no usable baseline.*variant v9/);
  });

  it('an empty window is "no data" for the whole report, never "ok"', () => {
    const report = detectDrift(profile, SETTINGS, emptyWindow());
    expect(report.outcome).toBe('no_data');
  });
});

describe('verdicts explain themselves', () => {
  it('no drift on healthy traffic names each statistic, its threshold and n', () => {
    const verdict = feature(healthy(), 'score_like');
    expect(verdict.outcome).toBe('ok');
    expect(verdict.reason).toMatch(/^no drift: wasserstein [\d.e-]+ < 0\.1; psi [\d.e-]+ < 0\.1 \(n=5000\)$/);
  });

  it('drift names the statistic that crossed its threshold', () => {
    const verdict = feature(windowOf(profile, seededRandom(4), 5000, { mean: 0.5 }), 'score_like');
    expect(verdict.outcome).toBe('drift');
    expect(verdict.reason).toMatch(/^drift: wasserstein 0\.\d+ >= 0\.1/);
  });

  it('a category share verdict carries its anytime-valid interval', () => {
    const verdict = feature(healthy(), 'channel');
    const share = verdict.statistics.find((s) => s.statistic === 'category_share');
    expect(share?.interval?.[0]).toBeLessThanOrEqual(share?.value as number);
    expect(share?.interval?.[1]).toBeGreaterThanOrEqual(share?.value as number);
    expect(verdict.reason).toMatch(/share of "\w+" [+-][\d.]+% \[[+-][\d.]+%, [+-][\d.]+%\] vs tolerance ±10\.0%/);
  });
});

describe('the two data paths agree', () => {
  it('counters built from binLabel (what the gateway exports) give the verdicts of the stream', () => {
    const rand = seededRandom(10);
    const rows = Array.from({ length: 6000 }, () => row(rand, { mean: 0.3 }));
    // the stream path
    const accumulator = new StreamAccumulator(profile, { sampleSize: 0, seed: 1 });
    for (const r of rows) accumulator.add(r);
    // the counter path: one counter per (feature, bin), incremented with binLabel, split over two replicas and summed
    const replica = (part: typeof rows): WindowCounts => {
      const counts: WindowCounts = { features: {}, predictions: {} };
      for (const r of part) {
        for (const f of profile.features) {
          const bin = binLabel(f, r[f.name]);
          const bins = counts.features[f.name] ?? {};
          bins[bin] = (bins[bin] ?? 0) + 1;
          counts.features[f.name] = bins;
        }
      }
      return counts;
    };
    const summed = mergeWindows(replica(rows.slice(0, 2500)), replica(rows.slice(2500)));
    const stream = detectDrift(profile, SETTINGS, accumulator.snapshot());
    const counters = detectDrift(profile, SETTINGS, summed);
    expect(counters.features.map((f) => [f.feature, f.outcome, f.statistics])).toEqual(
      stream.features.map((f) => [f.feature, f.outcome, f.statistics]),
    );
    expect(stream.outcome).toBe('drift');
  });
});
