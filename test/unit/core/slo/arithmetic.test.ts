import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  budgetAsOutage,
  detectionTime,
  minimumObjective,
  outageEscapeTime,
  resetTime,
  tierThreshold,
  timeToExhaustion,
  windowCrossing,
} from '../../../../src/core/slo/arithmetic.ts';
import { resolveSlo } from '../../../../src/core/slo/resolve.ts';
import { Replay } from '../../../../src/core/slo/scenario.ts';
import { BURN_TIERS, type BurnTier, burnFactor, periodSeconds } from '../../../../src/core/slo/windows.ts';
import { sloDocument } from '../../../../src/core/spec/kinds/slo.ts';
import { goFormatG4, humanize, humanizePercentage } from '../../../../src/generators/alerts/go-format.ts';

const tier = (name: BurnTier['name']) => BURN_TIERS.find((t) => t.name === name)!;
const D30 = periodSeconds('30d');
const D28 = periodSeconds('28d');

describe('burn factors scale with the SLO period (SRE Workbook table 5-8)', () => {
  it.each([
    ['fast (1h/5m) at 30d', 'fast', D30, 14.4],
    ['medium (6h/30m) at 30d', 'medium', D30, 6],
    ['slow (1d/2h) at 30d', 'slow', D30, 3],
    ['gradual (3d/6h) at 30d', 'gradual', D30, 1],
    ['fast at 28d', 'fast', D28, 13.44],
    ['medium at 28d', 'medium', D28, 5.6],
    ['slow at 28d', 'slow', D28, 2.8],
    ['gradual at 28d', 'gradual', D28, 0.933333333333],
  ] as const)('%s is %d', (_name, t, period, factor) => {
    expect(burnFactor(tier(t), period)).toBeCloseTo(factor, 10);
  });

  it.each([
    ['30d', D30, 0.930556],
    ['28d', D28, 0.925595],
  ])('the lowest objective whose fast page can fire at %s is %d', (_name, period, objective) => {
    expect(minimumObjective(period)).toBeCloseTo(objective, 6);
    expect(tierThreshold(tier('fast'), minimumObjective(period) + 1e-6, period)).toBeLessThan(1);
  });
});

describe('detection and reset times of a sustained burn', () => {
  it.each([
    ['a total outage at 99.9% pages (1h/5m) in 51.84 s', 'fast', 0.999, 1, 51.84],
    ['a total outage at 99.95% pages (1h/5m) in 25.92 s', 'fast', 0.9995, 1, 25.92],
    ['a total outage at 99.9% pages (6h/30m) in 129.6 s', 'medium', 0.999, 1, 129.6],
    // The 1d window is a sum of recorded 5m rates: 0.003 × 1d = 259.2 s, plus half the 5m ramp.
    ['a total outage at 99.9% opens the 1d/2h ticket in 409.2 s', 'slow', 0.999, 1, 409.2],
    [
      'a total outage at 99.95% opens the 3d/6h ticket while the 5m rate still ramps',
      'gradual',
      0.9995,
      1,
      Math.sqrt(600 * 129.6),
    ],
    ['half the requests failing at 99.9% page in twice the time', 'fast', 0.999, 0.5, 103.68],
    ['a 99% latency SLO whose requests all turn slow pages in 8.64 min', 'fast', 0.99, 1, 518.4],
    ['an error ratio at the threshold never pages', 'fast', 0.999, 0.0144, Number.POSITIVE_INFINITY],
  ] as const)('%s', (_name, t, objective, ratio, seconds) => {
    expect(detectionTime(tier(t), objective, D30, ratio)).toBeCloseTo(seconds, 6);
  });

  it.each([
    ['a raw 1h window crosses 1% after 36 s of a total outage', 3600, 0.01, 36],
    ['a summed 1d window crosses 1% after 864 s + 150 s', 86400, 0.01, 1014],
    [
      'a summed 1d window crosses 0.1% while its 5m rate still ramps (sqrt(600 × 86.4))',
      86400,
      0.001,
      Math.sqrt(600 * 86.4),
    ],
  ])('%s', (_name, window, threshold, seconds) => {
    expect(windowCrossing(window, threshold, 1)).toBeCloseTo(seconds, 6);
  });

  it.each([
    ['the fast page clears 295.68 s after a long outage ends (5m × (1 - 0.0144))', 'fast', 0.999, 3600, 295.68],
    ['the medium page clears 1789.2 s after (30m × (1 - 0.006))', 'medium', 0.999, 3600, 1789.2],
    ['a 60 s outage at 99.9% still clears with the short window', 'fast', 0.999, 60, 295.68],
    ['a 40 s outage at 99.9% never fired, so nothing clears', 'fast', 0.999, 40, 0],
  ] as const)('%s', (_name, t, objective, duration, seconds) => {
    expect(resetTime(tier(t), objective, D30, 1, duration)).toBeCloseTo(seconds, 6);
  });

  it.each([
    ['99.95% over 30d allows 21.6 min of total outage', 0.9995, D30, 1296],
    ['99.9% over 28d allows 40.32 min', 0.999, D28, 2419.2],
  ])('%s', (_name, objective, period, seconds) => {
    expect(budgetAsOutage(objective, period)).toBeCloseTo(seconds, 6);
  });

  it.each([
    ['half the budget at a burn of 2 lasts a quarter period', 0.5, 2, D30 / 4],
    ['no burn never exhausts', 0.5, 0, Number.POSITIVE_INFINITY],
    ['a spent budget is exhausted now', 0, 3, 0],
    ['an overspent budget is exhausted now', -0.2, 3, 0],
  ])('%s', (_name, remaining, burn, seconds) => {
    expect(timeToExhaustion(remaining, burn, D30)).toBe(seconds);
  });
});

describe('the replay of the generated rules agrees with the continuous arithmetic', () => {
  const sloFor = (objective: number) =>
    resolveSlo(
      sloDocument.parse({
        apiVersion: 'steadystate.dev/v1alpha1',
        kind: 'SLO',
        metadata: { name: 'prop' },
        spec: { model: 'fraud', objective, sli: { availability: {} } },
      }),
    );

  it('fires the fast page within one evaluation after threshold × 1h / E (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.95, max: 0.9999, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (objective, share) => {
          const slo = sloFor(objective);
          const threshold = tierThreshold(tier('fast'), objective, D30);
          const ratio = threshold + (1 - threshold) * share;
          const step = 30;
          const d = detectionTime(tier('fast'), objective, D30, ratio);
          const replay = new Replay(slo, {
            name: 'p',
            step,
            phases: [
              { duration: 3600, rps: 8, badRatio: 0 },
              { duration: Math.ceil((d + 600) / step) * step, rps: 8, badRatio: ratio },
            ],
          });
          const at = replay.firstFiring('SLOBurnRateFast', 3600);
          expect(at).toBeDefined();
          // Quantised increments move the ratio by < 2^-10 / 240 events: allow that much earlier.
          expect((at as number) - 3600).toBeGreaterThanOrEqual(d - 2);
          expect((at as number) - 3600).toBeLessThanOrEqual(d + step);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps a missing error series at zero errors, and zero traffic at NaN (no data, no page)', () => {
    const slo = sloFor(0.999);
    const missing = new Replay(slo, {
      name: 'm',
      step: 30,
      phases: [{ duration: 3600, rps: 5, badRatio: 0 }],
      presence: 'no-bad',
    });
    expect(missing.errorRatio(3600, 300)).toBe(0);
    expect(missing.budgetRemaining(3600)).toBe(1);
    const idle = new Replay(slo, { name: 'z', step: 30, phases: [{ duration: 3600, rps: 0, badRatio: 0 }] });
    expect(idle.errorRatio(3600, 300)).toBeNaN();
    expect(idle.firing('SLOBurnRateFast', 3600)).toBe(false);
  });
});

describe('Prometheus template functions as Go formats them', () => {
  it.each([
    [16.666666, '16.67'],
    [2000, '2k'],
    [1234567, '1.235M'],
    [0.1, '100m'],
    [0.0005, '500u'],
    [14.4, '14.4'],
    [4, '4'],
    [0, '0'],
  ])('humanize(%d) is %s', (value, text) => {
    expect(humanize(value)).toBe(text);
  });

  it.each([
    [0.95, '95%'],
    [0.2, '20%'],
    [-0.5, '-50%'],
    [0.0123456, '1.235%'],
  ])('humanizePercentage(%d) is %s', (value, text) => {
    expect(humanizePercentage(value)).toBe(text);
  });

  it.each([
    [0.00001234, '1.234e-05'],
    [123456, '1.235e+05'],
    [1000, '1000'],
    [0.5, '0.5'],
  ])('%%.4g of %d is %s', (value, text) => {
    expect(goFormatG4(value)).toBe(text);
  });
});

describe('the outage escape of the low-traffic guard (issue 19)', () => {
  const fast = BURN_TIERS[0] as BurnTier;
  const period = periodSeconds('30d');
  const guard = { ratio: 0.9, minBad: 5, minRate: 0.1 };
  it.each([
    ['a 0.05 events/s service: 90% of the 5m window must have failed', 0.05, 0.05, 270],
    ['traffic cut from 10 to 0.08 events/s: the good history must leave the 5m window', 10, 0.08, 299.7],
    ['a 0.01 events/s service: 5 failures take 500 s', 0.01, 0.01, 500],
    ['traffic that stays above the guard: the workbook windows decide', 10, 0.2, Number.POSITIVE_INFINITY],
    ['no traffic at all: nothing to fail', 0.05, 0, Number.POSITIVE_INFINITY],
  ])('%s', (_name, historyRps, outageRps, seconds) => {
    const t = outageEscapeTime(fast, 0.9995, period, { historyRps, outageRps, ...guard });
    if (Number.isFinite(seconds)) expect(t).toBeCloseTo(seconds, 1);
    else expect(t).toBe(seconds);
  });
});
