import type { CounterSnapshot } from '../abtest/counters.ts';
import type { ExperimentConfig } from '../abtest/experiment-config.ts';
import { type ExperimentState, initialExperimentState, observeCounters } from '../abtest/experiment-state.ts';
import { evaluateExperiment, type Verdict } from '../abtest/verdict.ts';
import { parseDuration } from '../spec/kinds/common.ts';
import type { DeploymentSpec } from '../spec/kinds/deployment.ts';
import { DEFAULT_GUARDRAIL_ALTERNATIVES } from '../stats/guardrail.ts';
import { DEFAULT_MSPRT } from '../stats/msprt.ts';
import { DEFAULT_SRM } from '../stats/srm.ts';

/**
 * The canary ramp, decided by the A/B machinery of core/abtest (not a second copy of it):
 * each step is an experiment champion (control) vs canary (treatment) at the step's split,
 * counted from the step's first reading; the guardrail e-process rolls back when the
 * canary's error rate is credibly above maxRatio x the champion's, the mSPRT on the error
 * rate rolls back when the canary is significantly worse, and a step advances once it has
 * lasted `stepDuration` with `minRequestsPerStep` canary requests and neither fired.
 */

export function stepExperiment(spec: DeploymentSpec, percent: number, name: string): ExperimentConfig {
  const c = spec.canary;
  return {
    name,
    model: spec.model,
    control: spec.championVariant,
    treatment: spec.canaryVariant,
    plannedWeights: { control: 100 - percent, treatment: percent },
    msprt: { ...DEFAULT_MSPRT, alpha: c.alpha },
    primaryMetric: 'error_rate',
    // The canary is judged on its error rate, which the gateway counts at once; labels come too late for a ramp step.
    usesLabels: false,
    higherIsBetter: false,
    metrics: ['error_rate'],
    guardrail: {
      maxRatio: c.guardrail.maxRatio,
      alpha: c.guardrail.alpha,
      alternatives: DEFAULT_GUARDRAIL_ALTERNATIVES,
    },
    srm: DEFAULT_SRM,
    // At 100% the champion has no traffic: only the guardrail's own minimums apply.
    minSamplesPerArm: percent === 100 ? 0 : Math.min(200, c.minRequestsPerStep),
    maxSamplesPerArm: undefined,
    errorServedBy: [...c.errorServedBy],
    positiveLabel: '1',
    evaluateEverySeconds: parseDuration(c.evaluateEvery),
    rollbackWithinSeconds: parseDuration(c.evaluateEvery) * 2,
  };
}

/** The weights of a step: `percent` to the canary, the rest to the champion, 0 to any other variant. */
export function stepWeights(
  variants: readonly string[],
  spec: DeploymentSpec,
  percent: number,
): Record<string, number> {
  return Object.fromEntries(
    variants.map((v) => [v, v === spec.canaryVariant ? percent : v === spec.championVariant ? 100 - percent : 0]),
  );
}

export interface StepState {
  percent: number;
  startedAtMs: number;
  experiment: ExperimentState;
}

export function startStep(spec: DeploymentSpec, percent: number, origin: CounterSnapshot, nowMs: number): StepState {
  return {
    percent,
    startedAtMs: nowMs,
    experiment: initialExperimentState(stepExperiment(spec, percent, 'canary'), origin),
  };
}

export type StepDecision = { kind: 'advance' | 'wait' | 'rollback'; reason: string; verdict: Verdict | undefined };

/** One look at a step: fold the reading in, then advance, wait or roll back. */
export function lookAtStep(
  spec: DeploymentSpec,
  step: StepState,
  reading: CounterSnapshot | undefined,
  nowMs: number,
): { step: StepState; decision: StepDecision } {
  const elapsed = (nowMs - step.startedAtMs) / 1000;
  const timeout = parseDuration(spec.canary.stepTimeout);
  if (!reading) {
    if (elapsed > timeout) {
      return {
        step,
        decision: {
          kind: 'rollback',
          reason: `no counters for ${Math.round(elapsed)} s (step timeout ${spec.canary.stepTimeout})`,
          verdict: undefined,
        },
      };
    }
    return {
      step,
      decision: { kind: 'wait', reason: 'no counters this look; no decision on missing data', verdict: undefined },
    };
  }
  const config = stepExperiment(spec, step.percent, 'canary');
  const experiment = observeCounters(step.experiment, reading, config);
  const verdict = evaluateExperiment(experiment, config);
  const next = { ...step, experiment };
  const canaryRequests = experiment.totals.treatment.requests;
  if (verdict.decision === 'rollback')
    return { step: next, decision: { kind: 'rollback', reason: verdict.reason, verdict } };
  if (verdict.decision === 'keep_a') {
    return { step: next, decision: { kind: 'rollback', reason: `canary worse: ${verdict.reason}`, verdict } };
  }
  const longEnough = elapsed >= parseDuration(spec.canary.stepDuration);
  const enough = canaryRequests >= spec.canary.minRequestsPerStep;
  if (longEnough && enough) {
    return {
      step: next,
      decision: {
        kind: 'advance',
        reason: `${step.percent}%: ${canaryRequests} canary requests over ${Math.round(elapsed)} s, guardrail quiet (${verdict.decision}: ${verdict.reason})`,
        verdict,
      },
    };
  }
  if (elapsed > timeout) {
    return {
      step: next,
      decision: {
        kind: 'rollback',
        reason: `${step.percent}%: only ${canaryRequests} of ${spec.canary.minRequestsPerStep} canary requests after ${Math.round(elapsed)} s (step timeout ${spec.canary.stepTimeout})`,
        verdict,
      },
    };
  }
  return {
    step: next,
    decision: {
      kind: 'wait',
      reason: `${step.percent}%: ${canaryRequests}/${spec.canary.minRequestsPerStep} canary requests, ${Math.round(elapsed)}/${parseDuration(spec.canary.stepDuration)} s`,
      verdict,
    },
  };
}
