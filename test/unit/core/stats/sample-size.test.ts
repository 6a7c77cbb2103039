import { describe, expect, it } from 'vitest';
import {
  estimationSampleSize,
  expectedDurationSeconds,
  proportionSampleSize,
  twoSamplePower,
  twoSampleSize,
} from '../../../../src/core/stats/sample-size.ts';
import { runPeer } from './python-peer.ts';

const DESIGNS = [
  {
    sigmaControl: Math.sqrt(0.01 * 0.99),
    sigmaTreatment: Math.sqrt(0.015 * 0.985),
    minimumEffect: 0.005,
    alpha: 0.05,
    power: 0.8,
    allocationRatio: 0.25,
    sides: 2 as const,
  },
  {
    sigmaControl: 1,
    sigmaTreatment: 1,
    minimumEffect: 0.1,
    alpha: 0.05,
    power: 0.9,
    allocationRatio: 1,
    sides: 2 as const,
  },
  {
    sigmaControl: 0.15,
    sigmaTreatment: 0.2,
    minimumEffect: -0.01,
    alpha: 0.01,
    power: 0.8,
    allocationRatio: 0.5,
    sides: 1 as const,
  },
  {
    sigmaControl: 0.3,
    sigmaTreatment: 0.3,
    minimumEffect: 0.02,
    alpha: 0.1,
    power: 0.95,
    allocationRatio: 4,
    sides: 2 as const,
  },
];

// The same closed forms evaluated with scipy's normal quantiles, and the power at n.
const ref = runPeer<{ control: number; powerAt: number; powerBelow: number }[]>(
  `
from scipy.stats import norm
result = []
for d in data:
    za = norm.ppf(1 - d['alpha'] / d['sides']); zb = norm.ppf(d['power'])
    var = d['sigmaControl']**2 + d['sigmaTreatment']**2 / d['allocationRatio']
    n = math.ceil((za + zb)**2 * var / d['minimumEffect']**2)
    power = lambda m: norm.cdf(abs(d['minimumEffect']) / math.sqrt(d['sigmaControl']**2 / m + d['sigmaTreatment']**2 / (d['allocationRatio'] * m)) - za)
    result.append(dict(control=n, powerAt=power(n), powerBelow=power(n - 1)))
`,
  DESIGNS,
);

describe('fixed-horizon sample sizes', () => {
  it.each(DESIGNS.map((d, i) => [i, d] as const))(
    'design %d matches scipy and reaches its power at n but not at n - 1',
    (i, design) => {
      const size = twoSampleSize(design);
      const r = ref[i] as (typeof ref)[number];
      expect(size.control).toBe(r.control);
      expect(size.treatment).toBe(Math.ceil(design.allocationRatio * size.control));
      expect(size.total).toBe(size.control + size.treatment);
      const power = twoSamplePower({ ...design, controlSize: size.control });
      expect(Math.abs(power - r.powerAt)).toBeLessThan(1e-12);
      expect(power).toBeGreaterThanOrEqual(design.power);
      expect(twoSamplePower({ ...design, controlSize: size.control - 1 })).toBeLessThan(design.power);
    },
  );

  it("the playbook's n = (Z·sigma/margin)^2: a 1% error rate within ±0.5 points at 95% needs 1522 requests", () => {
    // (1.959964 * sqrt(0.0099) / 0.005)^2 = 1521.3
    expect(estimationSampleSize({ sigma: Math.sqrt(0.01 * 0.99), margin: 0.005, alpha: 0.05 })).toBe(1522);
  });

  it('rates use the unpooled p(1 - p) of each arm', () => {
    const viaRates = proportionSampleSize({
      baselineRate: 0.01,
      minimumEffect: 0.005,
      alpha: 0.05,
      power: 0.8,
      allocationRatio: 0.25,
      sides: 2,
    });
    expect(viaRates).toEqual(twoSampleSize(DESIGNS[0] as (typeof DESIGNS)[0]));
  });

  it('the expected duration is set by the arm that fills last', () => {
    const size = { control: 8000, treatment: 2000, total: 10000 };
    expect(expectedDurationSeconds(size, 100, { control: 80, treatment: 20 })).toBeCloseTo(100, 9);
    expect(expectedDurationSeconds(size, 100, { control: 90, treatment: 10 })).toBeCloseTo(200, 9);
  });

  it.each([
    [
      'a zero effect',
      () => twoSampleSize({ ...(DESIGNS[1] as (typeof DESIGNS)[1]), minimumEffect: 0 }),
      /minimumEffect must be non-zero, got 0/,
    ],
    [
      'power of 1',
      () => twoSampleSize({ ...(DESIGNS[1] as (typeof DESIGNS)[1]), power: 1 }),
      /power must be in \(0, 1\), got 1/,
    ],
    ['a margin of 0', () => estimationSampleSize({ sigma: 1, margin: 0, alpha: 0.05 }), /margin must be > 0, got 0/],
    [
      'a rate above 1',
      () =>
        proportionSampleSize({
          baselineRate: 0.99,
          minimumEffect: 0.05,
          alpha: 0.05,
          power: 0.8,
          allocationRatio: 1,
          sides: 2,
        }),
      /baselineRate \+ minimumEffect must be in \(0, 1\), got 1.04/,
    ],
    [
      'no traffic',
      () => expectedDurationSeconds({ control: 1, treatment: 1, total: 2 }, 0, { control: 1, treatment: 1 }),
      /requestsPerSecond must be > 0, got 0/,
    ],
  ])('rejects %s by naming the value', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});
