import { mulberry32 } from '../random/mulberry32.ts';
import { type CounterSnapshot, type VariantCounters, zeroCounters } from './counters.ts';
import type { ExperimentConfig } from './experiment-config.ts';
import { initialExperimentState, observeCounters } from './experiment-state.ts';
import { binomial } from './simulation.ts';
import { evaluateExperiment } from './verdict.ts';

/**
 * Seeded simulations of a whole experiment on a mean metric (score or latency), through the
 * controller's own path: cumulative counters -> observeCounters -> evaluateExperiment, a
 * verdict at every look. Traffic starts with a trickle (one request at the first look,
 * growing geometrically to `requestsPerLook`), so the first looks see arms of 0, 1 or 2
 * values: the case where a one-value arm (variance 0) once made the mSPRT fire (issue 19).
 * A ship_b or keep_a in an A/A simulation is a false decision; the bar is <= alpha.
 */
export interface ExperimentSimulation {
  simulations: number;
  looks: number;
  /** Requests at the first look; each later look brings `growth` times more, up to requestsPerLook. */
  firstLookRequests: number;
  growth: number;
  requestsPerLook: number;
  treatmentShare: number;
  /** Per-request value in each arm: normal(mean, sd). Equal for an A/A simulation. */
  control: { mean: number; sd: number };
  treatment: { mean: number; sd: number };
  /** The experiment; its primary metric should be score_mean (the simulated value is the score). */
  config: ExperimentConfig;
  seed: number;
}

export interface ExperimentOutcome {
  /** Share of simulations whose verdict was ship_b or keep_a at some look. */
  decisionRate: number;
  shipRate: number;
  keepRate: number;
  /** Median requests (both arms) at the first decision, among simulations that decided. */
  medianRequestsToDecision: number | undefined;
  /** Look at which each deciding simulation decided, for inspection. */
  decisions: {
    simulation: number;
    look: number;
    decision: 'ship_b' | 'keep_a';
    reason: string;
    interval: [number, number] | null;
  }[];
}

/** Standard normal draws by Box-Muller from a uniform source (one per call; simplicity over speed). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function serve(counters: VariantCounters, requests: number, value: () => number): VariantCounters {
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < requests; i++) {
    const x = value();
    sum += x;
    sumSquares += x * x;
  }
  const score = {
    count: counters.score.count + requests,
    sum: counters.score.sum + sum,
    sumSquares: counters.score.sumSquares + sumSquares,
  };
  return {
    ...counters,
    requests: counters.requests + requests,
    predictions: counters.predictions + requests,
    score,
  };
}

export function simulateExperiments(s: ExperimentSimulation): ExperimentOutcome {
  if (s.config.primaryMetric !== 'score_mean') {
    throw new RangeError(
      `simulateExperiments draws scores: the primary metric must be score_mean, got ${s.config.primaryMetric}`,
    );
  }
  if (s.config.maxSamplesPerArm !== undefined) {
    throw new RangeError(
      'simulateExperiments counts significance decisions: leave maxSamplesPerArm undefined (a futility stop is not a false decision)',
    );
  }
  const random = mulberry32(s.seed);
  const alpha = s.config.msprt.alpha;
  const decisions: ExperimentOutcome['decisions'] = [];
  const requestsAtDecision: number[] = [];
  for (let sim = 0; sim < s.simulations; sim++) {
    let state = initialExperimentState(s.config);
    let control = zeroCounters();
    let treatment = zeroCounters();
    for (let look = 0; look < s.looks; look++) {
      const requests = Math.min(s.requestsPerLook, Math.ceil(s.firstLookRequests * s.growth ** look));
      const b = binomial(random, requests, s.treatmentShare);
      control = serve(control, requests - b, () => s.control.mean + s.control.sd * normal(random));
      treatment = serve(treatment, b, () => s.treatment.mean + s.treatment.sd * normal(random));
      const snapshot: CounterSnapshot = { [s.config.control]: control, [s.config.treatment]: treatment };
      state = observeCounters(state, snapshot, s.config);
      // Only a running p-value at or below alpha can carry a ship/keep verdict: skip the
      // full evaluation (with its Bayesian summary) otherwise.
      if ((state.metrics[s.config.primaryMetric]?.pValue ?? 1) > alpha) continue;
      const verdict = evaluateExperiment(state, s.config);
      if (verdict.decision === 'ship_b' || verdict.decision === 'keep_a') {
        decisions.push({
          simulation: sim,
          look,
          decision: verdict.decision,
          reason: verdict.reason,
          interval: verdict.interval,
        });
        requestsAtDecision.push(control.requests + treatment.requests);
        break;
      }
    }
  }
  const ships = decisions.filter((d) => d.decision === 'ship_b').length;
  const sorted = requestsAtDecision.sort((a, b) => a - b);
  return {
    decisionRate: decisions.length / s.simulations,
    shipRate: ships / s.simulations,
    keepRate: (decisions.length - ships) / s.simulations,
    medianRequestsToDecision: sorted.length > 0 ? (sorted[sorted.length >> 1] as number) : undefined,
    decisions,
  };
}
