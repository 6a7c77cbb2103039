import { describe, expect, it } from 'vitest';
import type { Moments } from '../../../../src/core/abtest/counters.ts';
import type { ExperimentConfig } from '../../../../src/core/abtest/experiment-config.ts';
import { initialExperimentState, observeCounters } from '../../../../src/core/abtest/experiment-state.ts';
import { evaluateExperiment, type Verdict } from '../../../../src/core/abtest/verdict.ts';
import { counters, shippedExperiment } from './fixtures.ts';

/**
 * Verdicts on a mean metric that were wrong before issue 19: a p-value latched at a look
 * below minSamplesPerArm, and a verdict whose interval contained 0 ("keep_a, p 0.0138,
 * interval [-0.059, 0.064]" in an A/A experiment).
 */
const config: ExperimentConfig = {
  ...shippedExperiment(), // minSamplesPerArm 200, alpha 0.05, N* 5000, 80/20
  metrics: ['score_mean'],
  primaryMetric: 'score_mean',
  higherIsBetter: true,
};

/** Exact moments of n scores with this mean and sample standard deviation. */
const scores = (n: number, mean: number, sd: number): Moments => ({
  count: n,
  sum: n * mean,
  sumSquares: (n - 1) * sd * sd + n * mean * mean,
});

/** [control n, mean, treatment n, mean], cumulative; sd 0.15 in both arms, no errors. */
type Reading = [number, number, number, number];

function verdictAfter(readings: Reading[]): Verdict {
  let state = initialExperimentState(config);
  for (const [nA, meanA, nB, meanB] of readings) {
    state = observeCounters(
      state,
      {
        v1: counters(nA, 0, { predictions: nA, score: scores(nA, meanA, 0.15) }),
        v2: counters(nB, 0, { predictions: nB, score: scores(nB, meanB, 0.15) }),
      },
      config,
    );
  }
  return evaluateExperiment(state, config);
}

describe('mean-metric verdicts', () => {
  it('a look taken below minSamplesPerArm is not latched (it used to decide keep_a on equal means)', () => {
    // At the first reading v2 has 100 of the 200 values needed, and a difference of 0.1 (p ~ 5e-4 alone).
    const v = verdictAfter([
      [400, 0.2, 100, 0.3],
      [4000, 0.2, 1000, 0.2],
    ]);
    expect(v.decision).toBe('continue');
    expect(v.statistic.value).toBeGreaterThan(0.05);
    const [lower, upper] = v.interval as [number, number];
    expect(lower).toBeLessThan(0);
    expect(upper).toBeGreaterThan(0);
  });

  it('p at alpha with an interval containing 0 is no decision: the interval wins', () => {
    // Both looks count (200+ per arm); the first interval, [0.05, 0.15], and the second,
    // about [-0.016, 0.016], are disjoint, so the running intersection restarts at the second.
    const v = verdictAfter([
      [800, 0.2, 200, 0.3],
      [4000, 0.2, 1000, 0.2],
    ]);
    expect(v.statistic.value).toBeLessThanOrEqual(0.05);
    expect(v.decision).toBe('continue');
    expect(v.reason).toMatch(
      /no decision yet: score mean always-valid p .* <= 0.05 but the interval \[-0\.0\d+, 0\.0\d+\] now contains 0 \(the difference moved between looks\)/,
    );
    expect(v.metrics[0]?.significant).toBe(false);
    expect(v.metrics[0]?.side).toBe('contains');
  });

  it('the direction of a decision is the side of its interval', () => {
    const v = verdictAfter([[8000, 0.2, 2000, 0.23]]);
    expect(v.decision).toBe('ship_b');
    expect(v.reason).toMatch(
      /score mean higher on v2 than v1 \(0.23 vs 0.2\).*interval \[0\.0\d+, 0\.0\d+\]; v2 is better/,
    );
    expect((v.interval as [number, number])[0]).toBeGreaterThan(0);
    expect(verdictAfter([[8000, 0.2, 2000, 0.17]]).decision).toBe('keep_a');
  });
});
