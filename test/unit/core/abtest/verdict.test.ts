import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../../../src/core/abtest/experiment-config.ts';
import { initialExperimentState, observeCounters } from '../../../../src/core/abtest/experiment-state.ts';
import { actionFor, isAllControl, rollbackWeights } from '../../../../src/core/abtest/guardrail-policy.ts';
import { evaluateExperiment, noDataVerdict, type Verdict } from '../../../../src/core/abtest/verdict.ts';
import { counters, shippedExperiment } from './fixtures.ts';

const base: ExperimentConfig = { ...shippedExperiment(), metrics: ['error_rate'] };

/** One reading of cumulative counters: [control requests, errors, treatment requests, errors]. */
type Reading = [number, number, number, number];

function verdictAfter(readings: Reading[], config: ExperimentConfig = base): Verdict {
  let state = initialExperimentState(config);
  for (const [nA, xA, nB, xB] of readings) {
    state = observeCounters(state, { v1: counters(nA, xA), v2: counters(nB, xB) }, config);
  }
  return evaluateExperiment(state, config);
}

describe('A/B verdicts', () => {
  it.each([
    [
      'v2 failing 10% against 1% rolls back',
      [[8000, 80, 2000, 200]],
      'rollback',
      /v2 errors 10% vs v1 1%.*guardrail e-value .* >= 100.*roll back to 100% v1/,
    ],
    ['too few requests keeps collecting', [[400, 4, 100, 1]], 'continue', /collecting: v2 has 100 of the 200 requests/],
    [
      'a 90/10 split on an 80/20 plan holds the verdict',
      [[9000, 90, 1000, 10]],
      'continue',
      /sample ratio mismatch: v2 got 10% of requests, planned 20%/,
    ],
    [
      'v2 halving the error rate ships b',
      [[40000, 800, 10000, 100]],
      'ship_b',
      /error rate lower on v2 than v1.*always-valid p .* <= 0.05.*v2 is better/,
    ],
    [
      'v2 erring 1.5x (within the 2x allowance) keeps a',
      [[40000, 800, 10000, 300]],
      'keep_a',
      /error rate higher on v2.*v1 is better/,
    ],
    [
      'indistinguishable arms continue',
      [[8000, 80, 2000, 22]],
      'continue',
      /no decision yet: error rate always-valid p .* > 0.05/,
    ],
  ] as [string, Reading[], string, RegExp][])('%s', (_name, readings, decision, reason) => {
    const v = verdictAfter(readings);
    expect(v.decision).toBe(decision);
    expect(v.reason).toMatch(reason);
    expect(v.n).toEqual({ control: readings.at(-1)?.[0], treatment: readings.at(-1)?.[2] });
    expect(Number.isFinite(v.statistic.value)).toBe(true);
    expect(v.threshold).toBeGreaterThan(0);
    // An interval once the data can carry one (the first rows have 10+ expected errors per arm).
    if (Math.min(readings.at(-1)?.[0] ?? 0, readings.at(-1)?.[2] ?? 0) >= 1000) expect(v.interval).not.toBeNull();
  });

  it('the rollback verdict carries the guardrail statistic and threshold', () => {
    const v = verdictAfter([[8000, 80, 2000, 200]]);
    expect(v.statistic.name).toBe('guardrail e-value');
    expect(v.statistic.value).toBeGreaterThanOrEqual(100);
    expect(v.threshold).toBe(100);
  });

  it('ship/keep verdicts carry the always-valid p-value, alpha and an interval excluding 0', () => {
    const v = verdictAfter([[40000, 800, 10000, 100]]);
    expect(v.statistic.value).toBeLessThanOrEqual(0.05);
    expect(v.threshold).toBe(0.05);
    const [lo, hi] = v.interval as [number, number];
    expect(hi).toBeLessThan(0);
    expect(lo).toBeLessThan(-0.005);
  });

  it('keeps a once an arm reaches maxSamplesPerArm without evidence for b', () => {
    const v = verdictAfter([[8000, 80, 2000, 22]], { ...base, maxSamplesPerArm: 5000 });
    expect(v.decision).toBe('keep_a');
    expect(v.reason).toMatch(/reached 5000 requests per arm without evidence for v2/);
  });

  it('a rollback, once due, stays due however the later data look, and says when it was reached', () => {
    const v = verdictAfter([
      [8000, 80, 2000, 200],
      [80000, 800, 20000, 200],
      [160000, 1600, 40000, 350],
    ]);
    expect(v.decision).toBe('rollback');
    expect(v.statistic.value).toBeLessThan(100);
    expect(v.reason).toMatch(/guardrail e-value reached 100 at look 1 \(now .*\)/);
  });

  it('the Bayesian summary stands beside the verdict and does not sway it', () => {
    const v = verdictAfter([[8000, 80, 2000, 10]]);
    expect(v.bayesian?.probabilityTreatmentBetter).toBeGreaterThan(0.95);
    expect(v.decision).toBe('continue');
  });

  it('no data is its own outcome: it names why, and carries no statistic', () => {
    const v = noDataVerdict(base, 'Prometheus at http://127.0.0.1:1 is unreachable (ECONNREFUSED)');
    expect(v.decision).toBe('no_data');
    expect(v.reason).toMatch(/no data: Prometheus .* unreachable.*no rollback or ship/);
    expect(v.statistic.value).toBeNaN();
    expect(v.interval).toBeNull();
  });
});

describe('experiment state', () => {
  it('counts increments between readings; a counter that went down skips that interval', () => {
    let state = initialExperimentState(base);
    state = observeCounters(state, { v1: counters(1000, 10), v2: counters(250, 3) }, base);
    state = observeCounters(state, { v1: counters(300, 2), v2: counters(80, 1) }, base); // a replica restarted
    state = observeCounters(state, { v1: counters(800, 9), v2: counters(200, 4) }, base);
    expect(state.resets).toBe(1);
    expect(state.totals.control.requests).toBe(1000 + 500);
    expect(state.totals.treatment.errors).toBe(3 + 3);
    expect(state.looks).toBe(3);
  });

  it('counts from an origin reading when given one (the controller --from-now)', () => {
    const origin = { v1: counters(5000, 50), v2: counters(1250, 10) };
    const state = observeCounters(
      initialExperimentState(base, origin),
      { v1: counters(5800, 58), v2: counters(1450, 13) },
      base,
    );
    expect(state.totals.control).toMatchObject({ requests: 800, errors: 8 });
    expect(state.totals.treatment).toMatchObject({ requests: 200, errors: 3 });
  });

  it('a variant missing from a reading has served nothing yet', () => {
    const state = observeCounters(initialExperimentState(base), { v1: counters(1000, 10) }, base);
    expect(state.totals.treatment.requests).toBe(0);
    expect(evaluateExperiment(state, base).decision).toBe('continue');
  });

  it('is plain JSON: it survives a round trip and continues identically', () => {
    let state = initialExperimentState(base);
    state = observeCounters(state, { v1: counters(1000, 10), v2: counters(250, 3) }, base);
    const copy = JSON.parse(JSON.stringify(state));
    const next = { v1: counters(2000, 25), v2: counters(500, 9) };
    expect(evaluateExperiment(observeCounters(copy, next, base), base)).toEqual(
      evaluateExperiment(observeCounters(state, next, base), base),
    );
  });
});

describe('guardrail policy', () => {
  it('rollback sets 100% control and 0 to every other variant', () => {
    expect(rollbackWeights({ v1: 80, v2: 20 }, 'v1')).toEqual({ v1: 100, v2: 0 });
    expect(rollbackWeights({ v1: 70, v2: 20, v3: 10 }, 'v1')).toEqual({ v1: 100, v2: 0, v3: 0 });
    expect(() => rollbackWeights({ v2: 100 }, 'v1')).toThrow(
      /control variant "v1" is not among the gateway's variants: v2/,
    );
  });

  it.each([
    ['a rollback verdict with 80/20 live', 'rollback', { v1: 80, v2: 20 }, 'set_weights'],
    ['a rollback verdict already at 100/0', 'rollback', { v1: 100, v2: 0 }, 'none'],
    ['a rollback verdict with unreadable weights', 'rollback', undefined, 'none'],
    ['ship_b (reported, a person ships)', 'ship_b', { v1: 80, v2: 20 }, 'none'],
    ['no data', 'no_data', { v1: 80, v2: 20 }, 'none'],
  ] as const)('%s -> %s', (_name, decision, weights, kind) => {
    const verdict = { ...noDataVerdict(base, 'x'), decision } as Verdict;
    expect(actionFor(verdict, weights, { model: 'fraud', control: 'v1' }).kind).toBe(kind);
  });

  it('recognises all-control weights', () => {
    expect(isAllControl({ v1: 100, v2: 0 }, 'v1')).toBe(true);
    expect(isAllControl({ v1: 99, v2: 1 }, 'v1')).toBe(false);
  });
});
