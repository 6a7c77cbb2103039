import type { Tolerance } from '../spec/kinds/chaos/probes.ts';
import type { ExpectationRecord } from './journal.ts';
import { describeTolerance } from './verdict.ts';

/**
 * Detection and recovery as the playbook states them: a condition must become true within
 * a target of a starting point (the first action, or the end of the fault). Measured at
 * the probe interval: the time is the first check that found it true.
 */
export function decideExpectation(input: {
  kind: ExpectationRecord['kind'];
  probe: string;
  tolerance: Tolerance;
  declaredWithinSeconds: number;
  withinSeconds: number;
  fromSeconds: number | null;
  heldAtSeconds: number | null;
  nowSeconds: number;
  lastWhy?: string;
}): ExpectationRecord {
  const { kind, fromSeconds, heldAtSeconds, withinSeconds } = input;
  const base = {
    kind,
    probe: input.probe,
    tolerance: input.tolerance,
    declaredWithinSeconds: input.declaredWithinSeconds,
    withinSeconds,
    fromSeconds,
  };
  const condition = `${input.probe} ${describeTolerance(input.tolerance)}`;
  const start = kind === 'detection' ? 'the first action' : 'the clock start';
  if (fromSeconds === null) {
    return {
      ...base,
      measuredSeconds: null,
      met: null,
      why: `not decided: ${kind === 'detection' ? 'no action ran' : 'the fault never ended'}`,
    };
  }
  if (heldAtSeconds !== null) {
    const measured = Math.max(0, heldAtSeconds - fromSeconds);
    const met = measured <= withinSeconds + 1e-9;
    return {
      ...base,
      measuredSeconds: measured,
      met,
      why: `${condition} after ${measured.toFixed(2)} s ${met ? 'within' : 'beyond'} the ${withinSeconds} s target (from ${start} at ${fromSeconds.toFixed(2)} s)`,
    };
  }
  const waited = input.nowSeconds - fromSeconds;
  if (waited > withinSeconds) {
    return {
      ...base,
      measuredSeconds: null,
      met: false,
      why: `${condition} not reached within ${withinSeconds} s${input.lastWhy ? `; last check: ${input.lastWhy}` : ''}`,
    };
  }
  return {
    ...base,
    measuredSeconds: null,
    met: null,
    why: `not decided: the run ended ${waited.toFixed(2)} s after ${start}, before the ${withinSeconds} s target${input.lastWhy ? `; last check: ${input.lastWhy}` : ''}`,
  };
}
