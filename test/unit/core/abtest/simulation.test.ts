import { describe, expect, it } from 'vitest';
import { binomial, simulateGuardrail, simulateMonitoring } from '../../../../src/core/abtest/simulation.ts';
import { mulberry32 } from '../../../../src/core/random/mulberry32.ts';
import { DEFAULT_RATIO_GUARDRAIL } from '../../../../src/core/stats/guardrail.ts';
import { DEFAULT_MSPRT } from '../../../../src/core/stats/msprt.ts';

/**
 * Seeded simulations of modest size (the benchmark runs 10,000 x 1,000 looks). With 1,500
 * A/A experiments the standard error of a rate near 0.05 is 0.006, so "at most alpha" is
 * asserted with that much room and "inflated" as at least 4x alpha.
 */
describe('continuous monitoring of A/A tests (seeded)', () => {
  it.each([
    ['error rates of 1%, 100 requests per look', 0.01, 100],
    ['positive rates of 10%, 50 requests per look', 0.1, 50],
  ])('%s: the mSPRT keeps false positives <= alpha, naive z-test peeking does not', (_name, rate, requestsPerLook) => {
    const r = simulateMonitoring({
      simulations: 1500,
      looks: 200,
      requestsPerLook,
      treatmentShare: 0.2,
      controlRate: rate,
      treatmentRate: rate,
      minSamplesPerArm: 200,
      msprt: DEFAULT_MSPRT,
      seed: 20240501,
    });
    expect(r.sequentialRejectionRate).toBeLessThanOrEqual(DEFAULT_MSPRT.alpha + 0.006);
    expect(r.naiveRejectionRate).toBeGreaterThanOrEqual(4 * DEFAULT_MSPRT.alpha);
    // The z-test is fine when looked at once, at a horizon fixed in advance.
    expect(Math.abs(r.finalLookRejectionRate - DEFAULT_MSPRT.alpha)).toBeLessThan(0.02);
  });

  it('the mSPRT still finds a real difference (5% vs 8%) in most experiments', () => {
    const r = simulateMonitoring({
      simulations: 300,
      looks: 200,
      requestsPerLook: 100,
      treatmentShare: 0.2,
      controlRate: 0.05,
      treatmentRate: 0.08,
      minSamplesPerArm: 200,
      msprt: DEFAULT_MSPRT,
      seed: 7,
    });
    expect(r.sequentialRejectionRate).toBeGreaterThan(0.8);
  });
});

describe('the guardrail under simulation (seeded)', () => {
  const common = { maxLooks: 1500, requestsPerLook: 100, treatmentShare: 0.2, naiveMinErrors: 5, seed: 99 };

  it('at the boundary (B at exactly 2x A) false rollbacks stay <= alpha; the naive ratio rule fires almost always', () => {
    const r = simulateGuardrail({
      ...common,
      simulations: 300,
      controlErrorRate: 0.01,
      treatmentErrorRate: 0.02,
      guardrail: { ...DEFAULT_RATIO_GUARDRAIL, alpha: 0.05 },
    });
    expect(r.rollbackRate).toBeLessThanOrEqual(0.05 + 0.013);
    expect(r.naiveRollbackRate).toBeGreaterThan(0.8);
  });

  it('B failing 30% of requests is rolled back within a few hundred requests', () => {
    const r = simulateGuardrail({
      ...common,
      simulations: 200,
      controlErrorRate: 0.01,
      treatmentErrorRate: 0.3,
      guardrail: { ...DEFAULT_RATIO_GUARDRAIL, alpha: 0.01 },
    });
    expect(r.rollbackRate).toBe(1);
    expect(r.medianRequestsToRollback).toBeLessThanOrEqual(500);
  });
});

describe('the seeded sampler', () => {
  it('is deterministic for a seed and unbiased for binomial draws', () => {
    expect(Array.from({ length: 5 }, mulberry32(1))).toEqual(Array.from({ length: 5 }, mulberry32(1)));
    const random = mulberry32(3);
    let total = 0;
    for (let i = 0; i < 20_000; i++) total += binomial(random, 50, 0.3);
    expect(total / 20_000).toBeCloseTo(15, 1);
    expect(binomial(random, 10, 0)).toBe(0);
    expect(binomial(random, 10, 1)).toBe(10);
  });
});
