import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../../../src/core/abtest/experiment-config.ts';
import { type ExperimentSimulation, simulateExperiments } from '../../../../src/core/abtest/experiment-simulation.ts';
import { shippedExperiment } from './fixtures.ts';

/**
 * Whole experiments on a mean metric through observeCounters and evaluateExperiment, with
 * traffic that starts at one request a look (issue 19: a one-value arm made the mSPRT fire,
 * and looks below minSamplesPerArm latched the p-value). 1,000 A/A experiments give a
 * standard error of 0.007 on a rate near 0.05; before the fix the first case decided in
 * about 15% of them.
 */
const scoreExperiment = (overrides: Partial<ExperimentConfig> = {}): ExperimentConfig => {
  const shipped = shippedExperiment();
  return {
    ...shipped,
    metrics: ['score_mean'],
    primaryMetric: 'score_mean',
    higherIsBetter: true,
    maxSamplesPerArm: undefined,
    ...overrides,
    msprt: { ...shipped.msprt, plannedSamples: 500, ...overrides.msprt },
  };
};

const trickle = (config: ExperimentConfig, treatmentMean: number, simulations: number): ExperimentSimulation => ({
  simulations,
  looks: 200,
  firstLookRequests: 1,
  growth: 1.03,
  requestsPerLook: 50,
  treatmentShare: 0.2,
  control: { mean: 0.2, sd: 0.15 },
  treatment: { mean: treatmentMean, sd: 0.15 },
  config,
  seed: 19,
});

describe('A/A experiments on a mean metric with tiny early arms', () => {
  it.each([
    ['minSamplesPerArm 200 (shipped)', 200],
    ['minSamplesPerArm 0: only the mSPRT guards the tiny arms', 0],
  ])('%s: false decisions <= alpha', (_name, minSamplesPerArm) => {
    const config = scoreExperiment({ minSamplesPerArm });
    const r = simulateExperiments(trickle(config, 0.2, 1000));
    expect(r.decisionRate).toBeLessThanOrEqual(config.msprt.alpha);
  });
});

describe('a decision never contradicts its own interval', () => {
  it.each([
    ['b higher', 0.23, 'ship_b'],
    ['b lower', 0.17, 'keep_a'],
  ])('%s: every decision has the interval on its side of 0', (_name, treatmentMean, expected) => {
    const r = simulateExperiments(trickle(scoreExperiment(), treatmentMean, 60));
    expect(r.decisionRate).toBeGreaterThan(0.8);
    for (const d of r.decisions) {
      const [lower, upper] = d.interval as [number, number];
      if (d.decision === 'ship_b') expect(lower).toBeGreaterThan(0);
      else expect(upper).toBeLessThan(0);
    }
    expect(r.decisions.filter((d) => d.decision === expected).length).toBeGreaterThan(0.8 * r.decisions.length);
  });

  it('refuses a setup it would misread', () => {
    expect(() => simulateExperiments(trickle(scoreExperiment({ maxSamplesPerArm: 1000 }), 0.2, 1))).toThrow(
      /leave maxSamplesPerArm undefined/,
    );
    expect(() => simulateExperiments(trickle({ ...scoreExperiment(), primaryMetric: 'error_rate' }, 0.2, 1))).toThrow(
      /the primary metric must be score_mean, got error_rate/,
    );
  });
});
