/**
 * Properties every drift statistic must have, on arbitrary inputs (fast-check). The exact
 * values are cross-checked against scipy and Evidently in test/integration/drift-peers.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquaredSurvival, lnGamma } from '../../../../src/core/stats/gamma-beta-functions.ts';
import { hellingerDistance } from '../../../../src/core/stats/hellinger.ts';
import { jensenShannonDistance } from '../../../../src/core/stats/jensen-shannon.ts';
import { ks2Sample, ksStatisticSorted, roundHalfEven } from '../../../../src/core/stats/ks.ts';
import { fillZeroShares, psiFromCounts } from '../../../../src/core/stats/psi.ts';
import { rateShift } from '../../../../src/core/stats/rate-shift.ts';
import { ksAndWassersteinSorted } from '../../../../src/core/stats/two-sample-sorted.ts';
import { wasserstein, wassersteinSorted } from '../../../../src/core/stats/wasserstein.ts';

const counts = (length: number) =>
  fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: length, maxLength: length });
const twoCountVectors = fc
  .integer({ min: 2, max: 12 })
  .chain((k) => fc.tuple(counts(k), counts(k)))
  .filter(([a, b]) => a.some((x) => x > 0) && b.some((x) => x > 0));
const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 });

describe('distances over bins', () => {
  it('PSI is >= 0, symmetric, and 0 for identical shares', () => {
    fc.assert(
      fc.property(twoCountVectors, ([a, b]) => {
        const ab = psiFromCounts(a, b);
        expect(ab).toBeGreaterThanOrEqual(-1e-12);
        expect(psiFromCounts(b, a)).toBeCloseTo(ab, 9);
        expect(psiFromCounts(a, a)).toBe(0);
      }),
    );
  });

  it('Jensen-Shannon distance is in [0, sqrt(ln 2)], symmetric, and 0 for identical shares', () => {
    fc.assert(
      fc.property(twoCountVectors, ([a, b]) => {
        const d = jensenShannonDistance(a, b);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.sqrt(Math.LN2) + 1e-12);
        expect(jensenShannonDistance(b, a)).toBeCloseTo(d, 12);
        expect(
          jensenShannonDistance(
            a,
            a.map((x) => x * 3),
          ),
        ).toBeCloseTo(0, 7);
      }),
    );
  });

  it('Hellinger distance is in [0, 1] and 1 for disjoint supports', () => {
    fc.assert(
      fc.property(twoCountVectors, ([a, b]) => {
        const d = hellingerDistance(a, b);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1);
      }),
    );
    expect(hellingerDistance([5, 0], [0, 7])).toBe(1);
  });

  it("Evidently's epsilon replaces zeros by 1e-4, or by min/1e6 when the smallest share is tiny", () => {
    expect(fillZeroShares([0.5, 0.5, 0], 'evidently')).toEqual([0.5, 0.5, 0.0001]);
    expect(fillZeroShares([0.99995, 0.00005, 0], 'evidently')).toEqual([0.99995, 0.00005, 0.00005 / 1e6]);
  });
});

describe('sample statistics', () => {
  it('KS: statistic and p-value in [0, 1], symmetric in the samples', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = ks2Sample(a, b);
        const ba = ks2Sample(b, a);
        expect(ab.statistic).toBeGreaterThanOrEqual(0);
        expect(ab.statistic).toBeLessThanOrEqual(1);
        expect(ab.pValue).toBeGreaterThanOrEqual(0);
        expect(ab.pValue).toBeLessThanOrEqual(1);
        expect(ba.statistic).toBeCloseTo(ab.statistic, 12);
        expect(ba.pValue).toBeCloseTo(ab.pValue, 9);
      }),
      { numRuns: 200 },
    );
  });

  it('Wasserstein-1 of a sample and its shift by c is |c|', () => {
    fc.assert(
      fc.property(sample, fc.double({ min: -1000, max: 1000, noNaN: true }), (a, c) => {
        expect(
          wasserstein(
            a,
            a.map((x) => x + c),
          ),
        ).toBeCloseTo(Math.abs(c), 3);
      }),
    );
  });

  it('rounds halves to even, as numpy does', () => {
    expect([0.5, 1.5, 2.5, 5000.5, 5001.5, 3.4].map(roundHalfEven)).toEqual([0, 2, 2, 5000, 5002, 3]);
  });
});

describe('special functions and the rate-shift interval', () => {
  it('log-gamma satisfies Gamma(x + 1) = x Gamma(x)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (x) => {
        expect(lnGamma(x + 1) - lnGamma(x)).toBeCloseTo(Math.log(x), 8);
      }),
    );
  });

  it('chi-square survival is 1 at 0 and decreasing', () => {
    expect(chiSquaredSurvival(0, 3)).toBe(1);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (x, dx) => {
          expect(chiSquaredSurvival(x + dx, 5)).toBeLessThanOrEqual(chiSquaredSurvival(x, 5) + 1e-15);
        },
      ),
    );
  });

  it('the interval lies in [0, 1] and contains the estimate, at any n, share and baseline', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        fc.constantFrom(0.001, 0.01, 0.05),
        (n, share, baseline, alpha) => {
          const x = Math.round(share * n);
          const shift = rateShift(x, n, baseline, { alpha, designSamples: 100_000 });
          const [lo, hi] = shift.rateInterval;
          expect(lo).toBeGreaterThanOrEqual(0);
          expect(hi).toBeLessThanOrEqual(1);
          expect(lo).toBeLessThanOrEqual(shift.rate + 1e-12);
          expect(hi).toBeGreaterThanOrEqual(shift.rate - 1e-12);
          expect(shift.relativeInterval[0]).toBeCloseTo(lo / baseline - 1, 9);
        },
      ),
    );
  });

  it.each([
    ['a baseline of 0', () => rateShift(1, 10, 0)],
    ['more successes than trials', () => rateShift(11, 10, 0.1)],
  ])('rejects %s with a message naming the value', (_name, call) => {
    expect(call).toThrow(/rateShift: .*got/);
  });
});

describe('one merge pass for KS and Wasserstein', () => {
  it('equals the separate functions (to the last bits)', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const u = Float64Array.from(a).sort();
        const v = Float64Array.from(b).sort();
        const merged = ksAndWassersteinSorted(u, v);
        expect(Math.abs(merged.ks - ksStatisticSorted(u, v))).toBeLessThanOrEqual(1e-15);
        const w = wassersteinSorted(u, v);
        expect(Math.abs(merged.wasserstein - w)).toBeLessThanOrEqual(1e-12 * Math.max(1, w));
      }),
    );
  });
});
