import type { Verdict } from './verdict.ts';

/**
 * What the controller does about a verdict. Only `rollback` acts by itself: it is the
 * guardrail the playbook automates ("auto-rollback to 100% A within 30 s"). Shipping B
 * changes what users get for good, so `ship_b` and `keep_a` are reported for a person to
 * act on (Flagger promotes automatically; an SRE team usually wants the last word).
 */
export type Action =
  | { kind: 'set_weights'; model: string; weights: Record<string, number>; reason: string }
  | { kind: 'none'; reason: string };

/** 100% to the control, 0 to every other variant of the model (the admin API needs them all, adding to 100). */
export function rollbackWeights(current: Readonly<Record<string, number>>, control: string): Record<string, number> {
  if (!(control in current)) {
    throw new RangeError(
      `control variant "${control}" is not among the gateway's variants: ${Object.keys(current).join(', ')}`,
    );
  }
  return Object.fromEntries(Object.keys(current).map((name) => [name, name === control ? 100 : 0]));
}

export function isAllControl(weights: Readonly<Record<string, number>>, control: string): boolean {
  return Object.entries(weights).every(([name, w]) => (name === control ? w === 100 : w === 0));
}

export function actionFor(
  verdict: Verdict,
  currentWeights: Readonly<Record<string, number>> | undefined,
  target: { model: string; control: string },
): Action {
  if (verdict.decision !== 'rollback') return { kind: 'none', reason: `${verdict.decision}: nothing to change` };
  if (!currentWeights) {
    // Without the current weights we cannot name every variant; the verdict is latched, so the next tick retries.
    return { kind: 'none', reason: 'rollback due, but the gateway weights could not be read; retrying next tick' };
  }
  if (isAllControl(currentWeights, target.control)) {
    return { kind: 'none', reason: `already 100% ${target.control}` };
  }
  return {
    kind: 'set_weights',
    model: target.model,
    weights: rollbackWeights(currentWeights, target.control),
    reason: verdict.reason,
  };
}
