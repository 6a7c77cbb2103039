/**
 * The drift statistics on the inputs outside testing found them failing (issue 19,
 * "Statistics at the edges"), each against scipy on the same input where scipy has an
 * answer. Where we depart from scipy on purpose (NaN in a sample, Jensen-Shannon of
 * near-identical vectors), the test says so.
 */
import { describe, expect, it } from 'vitest';
import { chiSquareDriftTest, chiSquareGoodnessOfFit } from '../../../../src/core/stats/chi-square.ts';
import { jensenShannonDistance } from '../../../../src/core/stats/jensen-shannon.ts';
import { ks2Sample, ks2SampleSorted } from '../../../../src/core/stats/ks.ts';
import { meanAndPopulationStd } from '../../../../src/core/stats/sample-moments.ts';
import { ksAndWassersteinSorted } from '../../../../src/core/stats/two-sample-sorted.ts';
import {
  normalizedWasserstein,
  populationStd,
  wasserstein,
  wassersteinSorted,
} from '../../../../src/core/stats/wasserstein.ts';
import { runPeer } from './python-peer.ts';

// Found by a random search: the two divergences cancel to just below 0.
const NEAR_P = [0.1546440301463008, 0.2909512131009251];
const NEAR_Q = [0.1546440301463008, 0.29095121310092514];
const NEAR_P5 = [0.5184025457128882, 0.19713726011104882, 0.3679585934150964, 0.2932473379187286, 0.5347395255230367];
const NEAR_Q5 = [0.5184025457128881, 0.1971372601110489, 0.36795859341509635, 0.2932473379187287, 0.5347395255230365];

// Epoch-like values: an offset of 1e15 with a spread of a few units, quantized to the offset's ulp (1/8).
const SPREAD = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 81) / 8);
const OFFSET = SPREAD.map((x) => 1e15 + x);

const ref = runPeer<{
  zeroExpected: { statisticIsInf: boolean; pvalue: number };
  differentTotals: string | null;
  jsNear: (number | null)[];
  ksNaN: number | null;
  wassersteinNaN: number | null;
  pstdev: number;
}>(
  `
import statistics, warnings
warnings.filterwarnings('ignore')
import numpy as np
from scipy import stats
from scipy.spatial import distance
z = stats.chisquare(data['observed'], data['expected'])
try:
    stats.chisquare([18, 22, 31, 29], [25, 25, 25, 30])
    different = None
except ValueError as e:
    different = str(e)
js = [float(distance.jensenshannon(p, q)) for p, q in data['near']]
ks = float(stats.ks_2samp([1.0, float('nan'), 2.0], [1.5, 2.5]).statistic)
w = float(stats.wasserstein_distance([1.0, float('nan'), 2.0], [1.5, 2.5]))
result = dict(
  zeroExpected=dict(statisticIsInf=bool(np.isinf(z.statistic)), pvalue=float(z.pvalue)),
  differentTotals=different,
  jsNear=[None if math.isnan(v) else v for v in js],
  ksNaN=None if math.isnan(ks) else ks,
  wassersteinNaN=None if math.isnan(w) else w,
  # statistics.pstdev works in exact rational arithmetic on the doubles given.
  pstdev=statistics.pstdev(data['offset']),
)
`,
  {
    observed: [5, 3, 2],
    expected: [6, 4, 0],
    near: [
      [NEAR_P, NEAR_Q],
      [NEAR_P5, NEAR_Q5],
    ],
    offset: OFFSET,
  },
);

describe('a sample holding NaN is refused by name (scipy returns NaN; before, these never returned)', () => {
  it('scipy answers NaN for these samples', () => {
    expect(ref.ksNaN).toBeNull();
    expect(ref.wassersteinNaN).toBeNull();
  });

  it.each([
    [
      'ks2Sample, second sample',
      () => ks2Sample([1, 2, 3], [1.5, Number.NaN]),
      /ks2Sample: sample b holds NaN at index 1/,
    ],
    [
      'ks2Sample, first sample',
      () => ks2Sample([1, Number.NaN, 2], [1.5, 2.5]),
      /ks2Sample: sample a holds NaN at index 1/,
    ],
    [
      'ks2SampleSorted (a typed-array sort puts NaN last)',
      () => ks2SampleSorted(Float64Array.from([1, 2, Number.NaN]).sort(), [1.5]),
      /ks2Sample: sample a holds NaN at index 2/,
    ],
    ['wasserstein', () => wasserstein([1, 2], [Number.NaN, 1]), /wasserstein: sample v holds NaN at index 0/],
    [
      'wassersteinSorted',
      () => wassersteinSorted(Float64Array.from([1, Number.NaN]).sort(), [1]),
      /wasserstein: sample u holds NaN at index 1/,
    ],
    [
      'normalizedWasserstein',
      () => normalizedWasserstein([1, 2, Number.NaN], [1, 2]),
      /normalizedWasserstein: sample reference holds NaN at index 2 \(of 3\); drop missing values/,
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });

  it('the one-pass KS and Wasserstein returns (it never looped) but gives no number for NaN either', () => {
    expect(() => ksAndWassersteinSorted(Float64Array.from([1, Number.NaN]), Float64Array.from([1]))).toThrow(
      /sample u holds NaN at index 1/,
    );
  });
});

describe('chi-square where scipy and Evidently have an answer', () => {
  it('a count observed where none was expected: infinite statistic, p-value 0 (was NaN)', () => {
    expect(ref.zeroExpected).toEqual({ statisticIsInf: true, pvalue: 0 });
    const ours = chiSquareGoodnessOfFit([5, 3, 2], [6, 4, 0]);
    expect(ours.statistic).toBe(Number.POSITIVE_INFINITY);
    expect(ours.pValue).toBe(0);
    expect(ours.degreesOfFreedom).toBe(2);
  });

  it("the drift test: a category the reference never had gives p 0, as Evidently's", () => {
    expect(chiSquareDriftTest([50, 50, 0], [40, 40, 20]).pValue).toBe(0);
  });

  it('refuses expected counts with another total, as scipy does', () => {
    expect(ref.differentTotals).toMatch(/sum of the observed frequencies must agree with the sum of the expected/);
    expect(() => chiSquareGoodnessOfFit([18, 22, 31, 29], [25, 25, 25, 30])).toThrow(
      /chisquare: observed counts total 100 but expected counts total 105; .*rescale the expected counts/,
    );
  });

  it('accepts totals that differ by rounding only (a rescaled reference)', () => {
    const current = [7, 11, 13];
    const reference = [3, 5, 9];
    const scale = 31 / 17;
    expect(() =>
      chiSquareGoodnessOfFit(
        current,
        reference.map((r) => r * scale),
      ),
    ).not.toThrow();
    expect(chiSquareDriftTest(reference, current).pValue).toBeGreaterThan(0);
  });
});

describe('Jensen-Shannon of near-identical vectors', () => {
  it('is 0, where scipy (and Evidently, which calls it) return NaN or a rounding residue', () => {
    expect(ref.jsNear[0]).toBeNull(); // scipy.spatial.distance.jensenshannon: NaN
    expect(ref.jsNear[1]).toBeLessThan(1e-15);
    expect(jensenShannonDistance(NEAR_P, NEAR_Q)).toBe(0);
    expect(jensenShannonDistance(NEAR_P5, NEAR_Q5)).toBe(0);
  });
});

describe('the standard deviation far from zero', () => {
  it('equals the exact value (Python statistics.pstdev) at a 1e15 offset to 1e-12 relative', () => {
    const exact = ref.pstdev;
    // The values subtract exactly (Sterbenz), so the spread alone has the same deviation.
    expect(Math.abs(populationStd(SPREAD) - exact) / exact).toBeLessThan(1e-12);
    expect(Math.abs(populationStd(OFFSET) - exact) / exact).toBeLessThan(1e-12);
    expect(
      Math.abs(meanAndPopulationStd(OFFSET).mean - (1e15 + meanAndPopulationStd(SPREAD).mean)),
    ).toBeLessThanOrEqual(0.125);
  });

  it('is 0 for a constant sample and NaN for an empty one', () => {
    expect(populationStd(Array(10).fill(1e15 + 0.5))).toBe(0);
    expect(populationStd([])).toBeNaN();
  });
});
