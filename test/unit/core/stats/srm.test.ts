import { describe, expect, it } from 'vitest';
import {
  chiSquaredSrm,
  lnDirichletMultinomialBayesFactor,
  sampleRatioMismatch,
} from '../../../../src/core/stats/srm.ts';
import { closeTo, runPeer } from './python-peer.ts';

const CASES: [number[], number[]][] = [
  [
    [8000, 2000],
    [80, 20],
  ],
  [
    [8150, 1850],
    [80, 20],
  ],
  [
    [7500, 2500],
    [80, 20],
  ],
  [
    [40, 12],
    [80, 20],
  ],
  [
    [0, 0],
    [80, 20],
  ],
  [
    [3300, 3350, 3350],
    [1, 1, 1],
  ],
  [
    [5000, 0, 5100],
    [50, 0, 50],
  ],
  [
    [1000000, 250900],
    [80, 20],
  ],
];

const ref = runPeer<{ chi: number[]; lnBf: number[] }>(
  `
from gbstats.utils import check_srm
from scipy.special import gammaln
import numpy as np
def ln_bf(counts, weights, c):
    w = np.array(weights, dtype=float); theta = w / w.sum(); x = np.array(counts, dtype=float)
    keep = theta > 0
    a = c * theta[keep]
    return float(gammaln(c) - gammaln(c + x.sum()) + np.sum(gammaln(a + x[keep]) - gammaln(a) - x[keep] * np.log(theta[keep])))
result = dict(chi=[check_srm(c, w) for c, w in data], lnBf=[ln_bf(c, w, 100) for c, w in data])
`,
  CASES,
);

describe('sample-ratio mismatch', () => {
  it.each(CASES.map(([c, w], i) => [c.join('/'), w.join('/'), c, w, i] as const))(
    'counts %s against %s: chi-squared p as gbstats check_srm, Bayes factor as the formula in scipy',
    (_c, _w, counts, weights, i) => {
      expect(closeTo(chiSquaredSrm(counts, weights).pValue, ref.chi[i] as number, 1e-12)).toBe(true);
      expect(closeTo(lnDirichletMultinomialBayesFactor(counts, weights, 100), ref.lnBf[i] as number, 1e-9)).toBe(true);
    },
  );

  it.each([
    ['the planned 80/20', [8000, 2000], false],
    ['a little noise (80.4/19.6)', [8040, 1960], false],
    ['75/25 on 10k requests', [7500, 2500], true],
    ['a variant that lost a third of its traffic', [8000, 1330], true],
  ] as const)('%s: mismatch = %s', (_name, counts, mismatch) => {
    const r = sampleRatioMismatch([...counts], [80, 20]);
    expect(r.mismatch).toBe(mismatch);
    expect(r.expectedShares).toEqual([0.8, 0.2]);
  });

  it('traffic to an arm planned at 0 is an unbounded mismatch', () => {
    expect(sampleRatioMismatch([100, 1], [100, 0]).mismatch).toBe(true);
  });

  it.each([
    [[1, 2], [1], /one weight per arm/],
    [[1, -2], [1, 1], /counts must be >= 0/],
    [[1, 2], [0, 0], /one above 0/],
  ])('rejects counts %o with weights %o by naming the problem', (counts, weights, message) => {
    expect(() => chiSquaredSrm(counts, weights)).toThrow(message);
  });
});
