import { describe, expect, it } from 'vitest';
import {
  checkGuardrailConfig,
  DEFAULT_RATIO_GUARDRAIL,
  type GuardrailIncrement,
  guardrailEValue,
  guardrailResult,
  initialGuardrailState,
  type RatioGuardrailConfig,
  updateGuardrail,
} from '../../../../src/core/stats/guardrail.ts';
import { runPeer } from './python-peer.ts';

const config: RatioGuardrailConfig = { ...DEFAULT_RATIO_GUARDRAIL, alpha: 0.01 };

function run(increments: GuardrailIncrement[], c = config) {
  return increments.reduce((state, inc) => updateGuardrail(state, inc, c), initialGuardrailState(c));
}

const inc = (controlRequests: number, controlErrors: number, treatmentRequests: number, treatmentErrors: number) => ({
  controlRequests,
  controlErrors,
  treatmentRequests,
  treatmentErrors,
});

describe('ratio guardrail e-process ("B errors more than k x A")', () => {
  it.each([
    ['B failing 30% of requests while A is clean', [inc(800, 0, 200, 60)], true],
    ['B at 5x A over a few intervals', Array.from({ length: 10 }, () => inc(800, 8, 200, 10)), true],
    ['B equal to A', Array.from({ length: 30 }, () => inc(800, 8, 200, 2)), false],
    ['B at exactly 2x A (the boundary, still allowed)', Array.from({ length: 30 }, () => inc(800, 8, 200, 4)), false],
    ['no errors anywhere', Array.from({ length: 30 }, () => inc(800, 0, 200, 0)), false],
  ] as const)('%s: breached = %s', (_name, increments, breached) => {
    const state = run([...increments]);
    expect(guardrailResult(state, config).breached).toBe(breached);
  });

  it('an interval without errors, or without traffic in an arm, changes nothing', () => {
    const start = run([inc(800, 8, 200, 6)]);
    for (const quiet of [inc(800, 0, 200, 0), inc(0, 0, 200, 9), inc(800, 9, 0, 0)]) {
      expect(updateGuardrail(start, quiet, config).logLikelihoodRatios).toEqual(start.logLikelihoodRatios);
    }
  });

  it('stays breached once breached (Ville: the first crossing is the decision)', () => {
    const breached = run([inc(800, 0, 200, 60)]);
    expect(breached.breachedAtLook).toBe(1);
    const later = run([inc(800, 0, 200, 60), ...Array.from({ length: 50 }, () => inc(800, 40, 200, 0))]);
    expect(guardrailEValue(later)).toBeLessThan(1 / config.alpha);
    expect(later.breachedAtLook).toBe(1);
  });

  it('reports observed rates and their ratio', () => {
    const r = guardrailResult(run([inc(1000, 10, 250, 10)]), config);
    expect(r.controlRate).toBeCloseTo(0.01, 12);
    expect(r.treatmentRate).toBeCloseTo(0.04, 12);
    expect(r.observedRatio).toBeCloseTo(4, 12);
    expect(r.threshold).toBe(100);
  });

  it('is the mixture of conditional binomial likelihood ratios (scipy binom.pmf, interval by interval)', () => {
    const increments = [inc(800, 9, 200, 5), inc(790, 7, 210, 8), inc(805, 12, 195, 9), inc(820, 3, 180, 0)];
    const ours = guardrailEValue(run(increments));
    const reference = runPeer<number>(
      `
from scipy.stats import binom
k = data['k']
total = 0.0
for m in data['alternatives']:
    r = k * m
    lr = 1.0
    for i in data['increments']:
        nA, xA, nB, xB = i['controlRequests'], i['controlErrors'], i['treatmentRequests'], i['treatmentErrors']
        E = xA + xB
        if E == 0 or nA == 0 or nB == 0: continue
        q0 = k * nB / (k * nB + nA); q1 = r * nB / (r * nB + nA)
        lr *= binom.pmf(xB, E, q1) / binom.pmf(xB, E, q0)
    total += lr
result = total / len(data['alternatives'])
`,
      { k: config.maxRatio, alternatives: config.alternatives, increments },
    );
    expect(Math.abs(ours - reference) / reference).toBeLessThan(1e-12);
  });

  it.each([
    [{ maxRatio: 0 }, /maxRatio \(k\) must be > 0, got 0/],
    [{ alpha: 1.5 }, /alpha must be in \(0, 1\), got 1.5/],
    [{ alternatives: [0.5] }, /alternatives must be multiples of k above 1, got \[0.5\]/],
  ])('rejects the config %o by naming the value', (patch, message) => {
    expect(() => checkGuardrailConfig({ ...config, ...patch })).toThrow(message);
  });

  it('rejects a negative increment by naming the counter', () => {
    expect(() => updateGuardrail(initialGuardrailState(config), inc(10, -1, 10, 0), config)).toThrow(
      /controlErrors must be a finite count >= 0, got -1/,
    );
  });
});
