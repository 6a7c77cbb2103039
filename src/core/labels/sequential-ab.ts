import { proportionArm } from '../stats/arm-statistics.ts';
import { advanceMsprt, DEFAULT_MSPRT, initialMsprtState, type MsprtState, msprtLook } from '../stats/msprt.ts';

/**
 * A/B on a label-based metric, sequentially while labels trickle in: "fraud caught per
 * 1,000 transactions" (the playbook's business metric), i.e. per labelled transaction of an
 * arm, 1 when the variant flagged it and it was fraud. A proportion arm in the existing
 * mSPRT (core/stats/msprt.ts): each look adds the labels that arrived since the previous
 * one, in labelled_at order, so the p-value stays valid however often we look and however
 * late the labels come. Higher is better.
 */
export interface LabelledOutcome {
  variant: string;
  predicted: 0 | 1;
  actual: 0 | 1;
  /** When the label became known (ms): the order the test sees the data in. */
  labelledAtMs: number;
}

export interface LabelAbOptions {
  control: string;
  treatment: string;
  alpha: number;
  plannedSamples: number;
  /** Labels between two looks (a look also closes the data). */
  lookEvery: number;
  /** No decision before each arm holds this many labelled transactions. */
  minSamplesPerArm: number;
}

export type LabelAbDecision = 'ship_b' | 'keep_a' | 'continue' | 'no_data';

export interface LabelAbResult {
  metric: 'fraud_caught_per_1000';
  looks: number;
  control: { n: number; caught: number; per1000: number | null };
  treatment: { n: number; caught: number; per1000: number | null };
  /** Always-valid p-value and the confidence sequence of (B - A) per 1,000. */
  pValue: number;
  intervalPer1000: [number, number] | null;
  /** The number of labels seen when the test first rejected (undefined: not yet). */
  decidedAtLabels: number | undefined;
  decision: LabelAbDecision;
}

export function sequentialLabelAb(outcomes: readonly LabelledOutcome[], o: LabelAbOptions): LabelAbResult {
  const ordered = outcomes
    .filter((x) => x.variant === o.control || x.variant === o.treatment)
    .sort((a, b) => a.labelledAtMs - b.labelledAtMs);
  const arms = { a: { n: 0, caught: 0 }, b: { n: 0, caught: 0 } };
  let state: MsprtState = initialMsprtState();
  let decidedAtLabels: number | undefined;
  const config = { ...DEFAULT_MSPRT, alpha: o.alpha, plannedSamples: o.plannedSamples };
  const look = (seen: number) => {
    if (Math.min(arms.a.n, arms.b.n) < Math.max(2, o.minSamplesPerArm)) {
      state = { ...state, looks: state.looks + 1 };
      return;
    }
    const l = msprtLook(proportionArm(arms.a.n, arms.a.caught), proportionArm(arms.b.n, arms.b.caught), config);
    state = advanceMsprt(state, l, o.alpha);
    if (decidedAtLabels === undefined && state.rejectedAtLook !== undefined) decidedAtLabels = seen;
  };
  ordered.forEach((x, i) => {
    const arm = x.variant === o.control ? arms.a : arms.b;
    arm.n++;
    if (x.predicted === 1 && x.actual === 1) arm.caught++;
    if ((i + 1) % o.lookEvery === 0) look(i + 1);
  });
  if (ordered.length % o.lookEvery !== 0) look(ordered.length);
  const per1000 = (arm: { n: number; caught: number }) => (arm.n === 0 ? null : (1000 * arm.caught) / arm.n);
  const interval = state.interval ? ([state.interval[0] * 1000, state.interval[1] * 1000] as [number, number]) : null;
  let decision: LabelAbDecision = 'continue';
  if (Math.min(arms.a.n, arms.b.n) < Math.max(2, o.minSamplesPerArm) || interval === null) decision = 'no_data';
  else if (state.pValue <= o.alpha && interval[0] > 0) decision = 'ship_b';
  else if (state.pValue <= o.alpha && interval[1] < 0) decision = 'keep_a';
  return {
    metric: 'fraud_caught_per_1000',
    looks: state.looks,
    control: { ...arms.a, per1000: per1000(arms.a) },
    treatment: { ...arms.b, per1000: per1000(arms.b) },
    pValue: state.pValue,
    intervalPer1000: interval,
    decidedAtLabels,
    decision,
  };
}
