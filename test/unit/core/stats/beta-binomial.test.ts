import { describe, expect, it } from 'vitest';
import { betaBinomialSummary } from '../../../../src/core/stats/beta-binomial.ts';
import { runPeer } from './python-peer.ts';

const CASES: [number, number, number, number][] = [
  [1000, 10, 250, 6],
  [100, 3, 100, 9],
  [0, 0, 0, 0],
  [50000, 520, 12500, 160],
  [2000000, 20000, 500000, 5100],
  [10, 10, 10, 0],
  [400000, 4000, 100, 3],
];

// P(B > A) by scipy quad over B's posterior and, where its terms stay few enough to sum
// without rounding drift, by Evan Miller's exact sum for integer parameters ("Formulas for
// Bayesian A/B testing", 2015); E[max(A - B, 0)] by quad.
const ref = runPeer<{ p: number; exact: number | null; loss: number }[]>(
  `
from scipy.stats import beta
from scipy.special import betaln
from scipy.integrate import quad
import numpy as np
result = []
for nA, xA, nB, xB in data:
    aA, bA, aB, bB = 1 + xA, 1 + nA - xA, 1 + xB, 1 + nB - xB
    i = np.arange(aB)
    exact = float(np.sum(np.exp(betaln(aA + i, bA + bB) - np.log(bB + i) - betaln(1 + i, bB) - betaln(aA, bA)))) if aB <= 1000 else None
    mA = aA / (aA + bA); mB = aB / (aB + bB)
    sA = math.sqrt(aA * bA / ((aA + bA)**2 * (aA + bA + 1))); sB = math.sqrt(aB * bB / ((aB + bB)**2 * (aB + bB + 1)))
    lo = max(0, min(mA - 40 * sA, mB - 40 * sB)); hi = min(1, max(mA + 40 * sA, mB + 40 * sB))
    pts = sorted(set(min(max(v, lo), hi) for v in [mA, mB, mA - 3 * sA, mA + 3 * sA, mB - 3 * sB, mB + 3 * sB]))
    p = quad(lambda y: beta.pdf(y, aB, bB) * beta.cdf(y, aA, bA), lo, hi, points=pts, epsabs=1e-14, epsrel=1e-12, limit=500)[0]
    loss = quad(lambda y: beta.pdf(y, aB, bB) * (mA * beta.sf(y, aA + 1, bA) - y * beta.sf(y, aA, bA)), lo, hi, points=pts, epsabs=1e-14, epsrel=1e-12, limit=500)[0]
    result.append(dict(p=p, exact=exact, loss=loss))
`,
  CASES,
);

describe('Beta-Binomial summary (beside the verdict)', () => {
  it.each(CASES.map((c, i) => [c.join(', '), c, i] as const))(
    'counts (nA, xA, nB, xB) = (%s): P(B > A) and expected loss agree with scipy to 1e-9',
    (_name, [nA, xA, nB, xB], i) => {
      const s = betaBinomialSummary({ n: nA, successes: xA }, { n: nB, successes: xB }, { higherIsBetter: true });
      const r = ref[i] as (typeof ref)[number];
      expect(Math.abs(s.probabilityTreatmentAbove - r.p)).toBeLessThan(1e-9);
      if (r.exact !== null) expect(Math.abs(s.probabilityTreatmentAbove - r.exact)).toBeLessThan(1e-9);
      expect(Math.abs(s.expectedLossChoosingTreatment - r.loss)).toBeLessThan(1e-9);
    },
  );

  it('for a lower-is-better rate (errors) the probabilities and losses swap sides', () => {
    const higher = betaBinomialSummary(
      { n: 8000, successes: 80 },
      { n: 2000, successes: 30 },
      { higherIsBetter: true },
    );
    const lower = betaBinomialSummary(
      { n: 8000, successes: 80 },
      { n: 2000, successes: 30 },
      { higherIsBetter: false },
    );
    expect(lower.probabilityTreatmentBetter).toBeCloseTo(1 - higher.probabilityTreatmentBetter, 12);
    expect(lower.expectedLossChoosingTreatment).toBeCloseTo(higher.expectedLossChoosingControl, 12);
    // B errs more: shipping it is the costly choice.
    expect(lower.expectedLossChoosingTreatment).toBeGreaterThan(lower.expectedLossChoosingControl);
  });

  it('rejects more successes than trials by naming both', () => {
    expect(() => betaBinomialSummary({ n: 5, successes: 6 }, { n: 5, successes: 1 }, { higherIsBetter: true })).toThrow(
      /0 <= successes <= n, got successes=6, n=5/,
    );
  });
});
