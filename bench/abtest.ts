/**
 * `npm run bench -- abtest --json`: the sequential A/B statistics under continuous monitoring.
 *
 * - False positives of A/A experiments watched at every look: our mSPRT vs the naive z-test
 *   checked at every look ("peeking") vs the same z-test looked at once at the end, on the
 *   same seeded data (10,000 experiments x 1,000 looks of 100 requests, split 80/20).
 * - False decisions of whole A/A experiments on a mean metric (score_mean) through the
 *   controller's path (observeCounters -> evaluateExperiment), with traffic that starts at one
 *   request a look so the first looks see arms of 0, 1 or 2 values (issue 19); the bar is
 *   <= alpha. simulations / 5 experiments x 200 looks per setup.
 * - The guardrail with A at 1% errors and B at 2.5% ("B > 2x A" is breached): median requests
 *   until rollback, against the naive "observed ratio > 2" rule, whose false rollbacks in
 *   A/A and at the 2x boundary are shown beside it.
 * - Updates per second (median of 5 timed runs): the mSPRT look, the guardrail update and a
 *   full controller evaluation, with the plain z-test as the baseline.
 *
 * Options: --simulations N (default 10000), --looks N (default 1000), --quick (1/10 of both).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zeroCounters } from '../src/core/abtest/counters.ts';
import { type ExperimentConfig, experimentFromSpec } from '../src/core/abtest/experiment-config.ts';
import { simulateExperiments } from '../src/core/abtest/experiment-simulation.ts';
import { initialExperimentState, observeCounters } from '../src/core/abtest/experiment-state.ts';
import { simulateGuardrail, simulateMonitoring } from '../src/core/abtest/simulation.ts';
import { evaluateExperiment } from '../src/core/abtest/verdict.ts';
import { parseSpec } from '../src/core/spec/parse.ts';
import { proportionArm } from '../src/core/stats/arm-statistics.ts';
import { DEFAULT_RATIO_GUARDRAIL, initialGuardrailState, updateGuardrail } from '../src/core/stats/guardrail.ts';
import { advanceMsprt, DEFAULT_MSPRT, initialMsprtState, msprtLook } from '../src/core/stats/msprt.ts';
import { zTestPValue } from '../src/core/stats/z-test.ts';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive integer, got "${args[i + 1]}"`);
  return value;
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Operations per second of `body(count)`, median of `runs` timed runs after a warm-up. */
function rate(count: number, runs: number, body: (count: number) => number): number {
  let sink = body(Math.min(count, 10_000));
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    sink += body(count);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(count / seconds);
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the work observable');
  return Math.round(medianOf(rates));
}

const round = (x: number | undefined, digits = 4) => (x === undefined ? null : Number(x.toFixed(digits)));

export default async function abtest(args: string[]): Promise<Record<string, unknown>> {
  const quick = args.includes('--quick');
  const simulations = option(args, '--simulations', quick ? 1000 : 10_000);
  const looks = option(args, '--looks', quick ? 100 : 1000);
  const started = Date.now();

  // 1. A/A false positives under continuous monitoring.
  const aa = (rate: number, seed: number) =>
    simulateMonitoring({
      simulations,
      looks,
      requestsPerLook: 100,
      treatmentShare: 0.2,
      controlRate: rate,
      treatmentRate: rate,
      minSamplesPerArm: 200,
      msprt: DEFAULT_MSPRT,
      seed,
    });
  const aaErrors = aa(0.01, 1);
  const aaPositives = aa(0.1, 2);

  // 1b. A/A on a mean metric with tiny early arms, through the verdict.
  const shipped = experimentFromSpec(
    parseSpec(readFileSync(join(import.meta.dirname, '..', 'steadystate.yaml'), 'utf8')),
  );
  const meanSims = Math.max(200, Math.round(simulations / 5));
  const aaMean = (plannedSamples: number, minSamplesPerArm: number) => {
    const config: ExperimentConfig = {
      ...shipped,
      msprt: { ...shipped.msprt, plannedSamples },
      metrics: ['score_mean'],
      primaryMetric: 'score_mean',
      higherIsBetter: true,
      minSamplesPerArm,
      maxSamplesPerArm: undefined,
    };
    const t0 = Date.now();
    const r = simulateExperiments({
      simulations: meanSims,
      looks: 200,
      firstLookRequests: 1,
      growth: 1.03,
      requestsPerLook: 50,
      treatmentShare: 0.2,
      control: { mean: 0.2, sd: 0.15 },
      treatment: { mean: 0.2, sd: 0.15 },
      config,
      seed: 19,
    });
    return {
      plannedSamples,
      minSamplesPerArm,
      falseDecisionRate: round(r.decisionRate),
      falseShipRate: round(r.shipRate),
      falseKeepRate: round(r.keepRate),
      withinAlpha: r.decisionRate <= config.msprt.alpha,
      medianRequestsToFalseDecision: r.medianRequestsToDecision ?? null,
      seconds: round((Date.now() - t0) / 1000, 1),
    };
  };
  const aaMeanTinyArms = {
    setup: `${meanSims} A/A experiments x 200 looks, score ~ N(0.2, 0.15) in both arms, 80/20, requests per look 1 growing x1.03 to 50 (tiny early arms), alpha ${shipped.msprt.alpha}`,
    shipped: aaMean(shipped.msprt.plannedSamples, shipped.minSamplesPerArm),
    smallPlannedSamples: aaMean(500, shipped.minSamplesPerArm),
    noMinimumSample: aaMean(500, 0),
  };

  // 2. The guardrail: A 1% vs B 2.5%, the spec's alpha 0.01; false rollbacks in A/A and at 2x.
  const guardrailSims = Math.max(200, Math.round(simulations / 5));
  const guardrail = (treatmentErrorRate: number, seed: number, maxLooks: number) =>
    simulateGuardrail({
      simulations: guardrailSims,
      maxLooks,
      requestsPerLook: 100,
      treatmentShare: 0.2,
      controlErrorRate: 0.01,
      treatmentErrorRate,
      guardrail: { ...DEFAULT_RATIO_GUARDRAIL, alpha: 0.01 },
      naiveMinErrors: 5,
      seed,
    });
  const breach = guardrail(0.025, 3, 5000);
  const bigBreach = guardrail(0.05, 7, 5000);
  const guardrailAa = guardrail(0.01, 4, looks);
  const boundary = guardrail(0.02, 5, looks);
  // The mSPRT on the error-rate difference sees the same breach as "B worse" (keep_a).
  const keepA = simulateMonitoring({
    simulations: guardrailSims,
    looks: 5000,
    requestsPerLook: 100,
    treatmentShare: 0.2,
    controlRate: 0.01,
    treatmentRate: 0.025,
    minSamplesPerArm: 200,
    msprt: DEFAULT_MSPRT,
    seed: 6,
  });

  // 3. Updates per second.
  const N = 1_000_000;
  const msprtRate = rate(N, 5, (count) => {
    let state = initialMsprtState();
    for (let i = 0; i < count; i++) {
      const n = 1000 + i;
      state = advanceMsprt(
        state,
        msprtLook(proportionArm(4 * n, n >> 5), proportionArm(n, n >> 5), DEFAULT_MSPRT),
        0.05,
      );
    }
    return state.pValue;
  });
  const zRate = rate(N, 5, (count) => {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const n = 1000 + i;
      sum += zTestPValue(proportionArm(4 * n, n >> 5), proportionArm(n, n >> 5));
    }
    return sum;
  });
  const guardrailRate = rate(N, 5, (count) => {
    let state = initialGuardrailState(DEFAULT_RATIO_GUARDRAIL);
    for (let i = 0; i < count; i++) {
      state = updateGuardrail(
        state,
        { controlRequests: 80, controlErrors: i % 2, treatmentRequests: 20, treatmentErrors: i % 3 === 0 ? 1 : 0 },
        DEFAULT_RATIO_GUARDRAIL,
      );
    }
    return state.logLikelihoodRatios[0] as number;
  });
  const config = shipped;
  const evaluationRate = rate(100, 5, (count) => {
    let state = initialExperimentState(config);
    let decisions = 0;
    for (let i = 1; i <= count; i++) {
      const c = { ...zeroCounters(), requests: 800 * i, errors: 8 * i, predictions: 800 * i, positives: 40 * i };
      const t = {
        ...zeroCounters(),
        requests: 200 * i,
        errors: 2 * i + (i % 3),
        predictions: 200 * i,
        positives: 10 * i,
      };
      state = observeCounters(state, { v1: c, v2: t }, config);
      if (evaluateExperiment(state, config).decision === 'continue') decisions++;
    }
    return decisions;
  });

  return {
    setup: `${simulations} A/A experiments x ${looks} looks of 100 requests (80/20), alpha 0.05, N* 5000; guardrail k=2, alpha 0.01, ${guardrailSims} experiments per scenario`,
    aaErrorRate1pct: {
      falsePositiveRateOurs: round(aaErrors.sequentialRejectionRate),
      falsePositiveRateNaivePeeking: round(aaErrors.naiveRejectionRate),
      falsePositiveRateZTestOnceAtEnd: round(aaErrors.finalLookRejectionRate),
      inflationNaiveOverOurs: round(aaErrors.naiveRejectionRate / Math.max(aaErrors.sequentialRejectionRate, 1e-9), 1),
    },
    aaMeanTinyArms,
    aaRate10pct: {
      falsePositiveRateOurs: round(aaPositives.sequentialRejectionRate),
      falsePositiveRateNaivePeeking: round(aaPositives.naiveRejectionRate),
      falsePositiveRateZTestOnceAtEnd: round(aaPositives.finalLookRejectionRate),
    },
    guardrailA1pctB2_5pct: {
      rollbackRate: round(breach.rollbackRate),
      medianRequestsToRollback: breach.medianRequestsToRollback ?? null,
      medianRequestsToKeepAByMsprt: keepA.medianRequestsToSequentialRejection ?? null,
      naiveRatioRuleMedianRequests: breach.medianRequestsToNaiveRollback ?? null,
      falseRollbackRateAa: round(guardrailAa.rollbackRate),
      falseRollbackRateAtExactly2x: round(boundary.rollbackRate),
      naiveRatioRuleFalseRollbackRateAa: round(guardrailAa.naiveRollbackRate),
      naiveRatioRuleFalseRollbackRateAtExactly2x: round(boundary.naiveRollbackRate),
    },
    guardrailA1pctB5pct: {
      rollbackRate: round(bigBreach.rollbackRate),
      medianRequestsToRollback: bigBreach.medianRequestsToRollback ?? null,
      naiveRatioRuleMedianRequests: bigBreach.medianRequestsToNaiveRollback ?? null,
    },
    updatesPerSecond: {
      msprtLook: msprtRate,
      zTestBaseline: zRate,
      msprtOverZTest: round(msprtRate / zRate, 2),
      guardrailUpdate: guardrailRate,
      fullEvaluationWithBayesianSummary: evaluationRate,
    },
    seconds: Math.round((Date.now() - started) / 1000),
  };
}
