import type { ExperimentMetric } from '../spec/kinds/experiment.ts';
import { type ArmStatistics, meanArm, proportionArm } from '../stats/arm-statistics.ts';
import { initialGuardrailState, type RatioGuardrailState, updateGuardrail } from '../stats/guardrail.ts';
import { advanceMsprt, initialMsprtState, type MsprtState, msprtLook, uninformativeLook } from '../stats/msprt.ts';
import { sampleRatioMismatch } from '../stats/srm.ts';
import {
  addCounters,
  type CounterSnapshot,
  counterIncrement,
  type Moments,
  type VariantCounters,
  zeroCounters,
} from './counters.ts';
import type { ExperimentConfig } from './experiment-config.ts';

/**
 * Everything an experiment carries between readings: O(1) in the traffic (sufficient
 * statistics, one mSPRT state per metric, the guardrail's log-likelihood ratios) and plain
 * JSON, so a controller can persist it and resume after a restart.
 */
export interface ExperimentState {
  looks: number;
  /** The last cumulative reading, to take the next increment from. */
  last: { control: VariantCounters; treatment: VariantCounters };
  /** Counts since the experiment's origin (the sum of non-negative increments). */
  totals: { control: VariantCounters; treatment: VariantCounters };
  metrics: Partial<Record<ExperimentMetric, MsprtState>>;
  guardrail: RatioGuardrailState;
  /** First look at which the anytime-valid SRM test fired (latched: a broken split stays suspect). */
  srmMismatchAtLook: number | undefined;
  /** Readings skipped because a counter went down (a replica restarted or left). */
  resets: number;
}

/**
 * `origin`: the reading the experiment counts from. Omitted, everything the counters hold
 * counts (the gateway's counters start with the experiment); a first reading counts from now.
 */
export function initialExperimentState(config: ExperimentConfig, origin?: CounterSnapshot): ExperimentState {
  return {
    looks: 0,
    last: {
      control: origin?.[config.control] ?? zeroCounters(),
      treatment: origin?.[config.treatment] ?? zeroCounters(),
    },
    totals: { control: zeroCounters(), treatment: zeroCounters() },
    metrics: Object.fromEntries(config.metrics.map((m) => [m, initialMsprtState()])),
    guardrail: initialGuardrailState(config.guardrail),
    srmMismatchAtLook: undefined,
    resets: 0,
  };
}

/** The arm statistics of one metric from counters. */
export function metricArm(metric: ExperimentMetric, c: VariantCounters): ArmStatistics {
  switch (metric) {
    case 'error_rate':
      return proportionArm(c.requests, Math.min(c.errors, c.requests));
    case 'positive_rate':
      return proportionArm(c.predictions, Math.min(c.positives, c.predictions));
    case 'score_mean':
      return momentsArm(c.score);
    case 'latency_mean':
      return momentsArm(c.latency);
    // A proportion per labelled transaction; "per 1,000" is only how it is shown.
    case 'fraud_caught_per_1000':
      return proportionArm(c.labelled, Math.min(c.caught, c.labelled));
    case 'label_precision':
      return proportionArm(c.labelledFlagged, Math.min(c.caught, c.labelledFlagged));
  }
}

/**
 * Sums of squares estimated from histogram buckets can fall just below sum²/n when values
 * crowd one edge of a bucket; that is a variance of zero (no information), not a negative one.
 */
function momentsArm(m: Moments): ArmStatistics {
  const floor = m.count > 0 ? (m.sum * m.sum) / m.count : 0;
  return meanArm(m.count, m.sum, Math.max(m.sumSquares, floor));
}

/** Folds one cumulative reading into the state: one look for every sequential test. */
export function observeCounters(
  state: ExperimentState,
  snapshot: CounterSnapshot,
  config: ExperimentConfig,
): ExperimentState {
  const current = {
    control: snapshot[config.control] ?? zeroCounters(),
    treatment: snapshot[config.treatment] ?? zeroCounters(),
  };
  const a = counterIncrement(state.last.control, current.control);
  const b = counterIncrement(state.last.treatment, current.treatment);
  const looks = state.looks + 1;
  if (a.reset || b.reset) return { ...state, looks, last: current, resets: state.resets + 1 };

  const totals = {
    control: addCounters(state.totals.control, a.increment),
    treatment: addCounters(state.totals.treatment, b.increment),
  };
  const metrics: ExperimentState['metrics'] = {};
  for (const metric of config.metrics) {
    const control = metricArm(metric, totals.control);
    const treatment = metricArm(metric, totals.treatment);
    // A look before each arm holds minSamplesPerArm units is not taken: the running minimum
    // p-value and the running interval would keep whatever a handful of requests showed
    // (the normal approximation is poor there), and the verdict would decide on it the
    // moment the arms reach the minimum.
    const look =
      Math.min(control.n, treatment.n) < config.minSamplesPerArm
        ? uninformativeLook(control.n + treatment.n)
        : msprtLook(control, treatment, config.msprt);
    metrics[metric] = advanceMsprt(state.metrics[metric] ?? initialMsprtState(), look, config.msprt.alpha);
  }
  const guardrail = updateGuardrail(
    state.guardrail,
    {
      controlRequests: a.increment.requests,
      controlErrors: Math.min(a.increment.errors, a.increment.requests),
      treatmentRequests: b.increment.requests,
      treatmentErrors: Math.min(b.increment.errors, b.increment.requests),
    },
    config.guardrail,
  );
  const srm = sampleRatioMismatch(
    [totals.control.requests, totals.treatment.requests],
    [config.plannedWeights.control, config.plannedWeights.treatment],
    config.srm,
  );
  return {
    looks,
    last: current,
    totals,
    metrics,
    guardrail,
    srmMismatchAtLook: state.srmMismatchAtLook ?? (srm.mismatch ? looks : undefined),
    resets: state.resets,
  };
}
