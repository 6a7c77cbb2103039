/**
 * Adaptive batching (playbook stage 3), the pure decision core: from what Triton measured in
 * the last interval (requests, executions, queue time) decide whether to raise or lower the
 * model's max_batch_size and max_queue_delay. Batches that come out full mean more requests
 * wait than one execution can take: a larger batch amortizes the per-execution cost (on a GPU,
 * one kernel launch for 64 rows instead of two for 32). Batches mostly empty at low traffic
 * mean the queue delay only adds latency: shrink it and the batch bound back.
 *
 * Hysteresis: a change needs `sustain` consecutive intervals pointing the same way, and no
 * change comes within `cooldownIntervals` of the last one (a configuration reload restarts the
 * model's instances, so flapping would cost more than it gains). The band between
 * `lowerBelowFill` and `raiseAboveFill` holds.
 */
export interface AdaptiveBatchingLimits {
  minBatchSize: number;
  maxBatchSize: number;
  minQueueDelayUs: number;
  maxQueueDelayUs: number;
  /** Raise when average batch / current max_batch_size is at least this (e.g. 0.75). */
  raiseAboveFill: number;
  /** Lower when the fill is at most this (e.g. 0.25). */
  lowerBelowFill: number;
  /** Below this many requests per second nothing is learned: hold (a quiet period is not "low load"). */
  minRequestsPerSecond: number;
  sustain: number;
  cooldownIntervals: number;
}

export interface BatchingSetting {
  maxBatchSize: number;
  queueDelayUs: number;
}

export interface BatchingObservation {
  /** Requests Triton completed in the interval and the executions that carried them. */
  requests: number;
  executions: number;
  /** Mean time a request waited in Triton's queue, ms. */
  queueMs: number;
  seconds: number;
}

export interface ControllerState {
  setting: BatchingSetting;
  raiseStreak: number;
  lowerStreak: number;
  /** Intervals since the last change (large at start: no cooldown before the first). */
  sinceChange: number;
}

export type Direction = 'raise' | 'lower' | 'hold';

export interface Decision {
  direction: Direction;
  /** Whether the setting changes now (a raise/lower signal still inside hysteresis does not). */
  change: boolean;
  next: BatchingSetting;
  reason: string;
  fill: number;
  requestsPerSecond: number;
  avgBatch: number;
}

export function initialState(setting: BatchingSetting): ControllerState {
  return { setting, raiseStreak: 0, lowerStreak: 0, sinceChange: Number.POSITIVE_INFINITY };
}

/** Errors naming the field, for the spec schema and for callers building limits by hand. */
export function limitProblems(l: AdaptiveBatchingLimits): string[] {
  const p: string[] = [];
  if (!(Number.isInteger(l.minBatchSize) && l.minBatchSize >= 1))
    p.push(`minBatchSize must be an integer >= 1, got ${l.minBatchSize}`);
  if (!(Number.isInteger(l.maxBatchSize) && l.maxBatchSize >= l.minBatchSize))
    p.push(`maxBatchSize must be an integer >= minBatchSize (${l.minBatchSize}), got ${l.maxBatchSize}`);
  if (!(l.minQueueDelayUs >= 0 && l.maxQueueDelayUs >= l.minQueueDelayUs))
    p.push(
      `queue delays must satisfy 0 <= minQueueDelay <= maxQueueDelay, got ${l.minQueueDelayUs} / ${l.maxQueueDelayUs} us`,
    );
  if (!(l.lowerBelowFill >= 0 && l.lowerBelowFill < l.raiseAboveFill && l.raiseAboveFill <= 1))
    p.push(
      `fills must satisfy 0 <= lowerBelowFill < raiseAboveFill <= 1, got ${l.lowerBelowFill} / ${l.raiseAboveFill}`,
    );
  if (!(Number.isInteger(l.sustain) && l.sustain >= 1)) p.push(`sustain must be an integer >= 1, got ${l.sustain}`);
  return p;
}

export function decide(
  state: ControllerState,
  obs: BatchingObservation,
  l: AdaptiveBatchingLimits,
): {
  state: ControllerState;
  decision: Decision;
} {
  const { setting } = state;
  const rps = obs.seconds > 0 ? obs.requests / obs.seconds : 0;
  const avgBatch = obs.executions > 0 ? obs.requests / obs.executions : 0;
  const fill = setting.maxBatchSize > 0 ? avgBatch / setting.maxBatchSize : 0;
  const sinceChange = state.sinceChange + 1;
  const hold = (reason: string, streaks = { raiseStreak: 0, lowerStreak: 0 }) => ({
    state: { ...state, ...streaks, sinceChange },
    decision: {
      direction: 'hold' as const,
      change: false,
      next: setting,
      reason,
      fill,
      requestsPerSecond: rps,
      avgBatch,
    },
  });
  if (rps < l.minRequestsPerSecond)
    return hold(`traffic ${rps.toFixed(1)} req/s below ${l.minRequestsPerSecond}: nothing to learn`);

  let direction: Direction = 'hold';
  let target = setting;
  if (fill >= l.raiseAboveFill && setting.maxBatchSize < l.maxBatchSize) {
    direction = 'raise';
    target = { maxBatchSize: Math.min(l.maxBatchSize, setting.maxBatchSize * 2), queueDelayUs: l.maxQueueDelayUs };
  } else if (
    fill <= l.lowerBelowFill &&
    (setting.maxBatchSize > l.minBatchSize || setting.queueDelayUs > l.minQueueDelayUs)
  ) {
    direction = 'lower';
    target = {
      maxBatchSize: Math.max(l.minBatchSize, Math.floor(setting.maxBatchSize / 2)),
      queueDelayUs: l.minQueueDelayUs,
    };
  }
  if (direction === 'hold')
    return hold(
      `fill ${fill.toFixed(2)} (avg batch ${avgBatch.toFixed(1)} of ${setting.maxBatchSize}) within limits or band`,
    );
  const raiseStreak = direction === 'raise' ? state.raiseStreak + 1 : 0;
  const lowerStreak = direction === 'lower' ? state.lowerStreak + 1 : 0;
  const streak = Math.max(raiseStreak, lowerStreak);
  const why = `fill ${fill.toFixed(2)} (avg batch ${avgBatch.toFixed(1)} of ${setting.maxBatchSize}, queue ${obs.queueMs.toFixed(2)} ms, ${rps.toFixed(0)} req/s)`;
  if (streak < l.sustain || sinceChange <= l.cooldownIntervals) {
    const wait =
      streak < l.sustain ? `${streak}/${l.sustain} intervals` : `cooldown ${sinceChange}/${l.cooldownIntervals}`;
    return {
      state: { ...state, raiseStreak, lowerStreak, sinceChange },
      decision: {
        direction,
        change: false,
        next: setting,
        reason: `${direction} pending (${wait}): ${why}`,
        fill,
        requestsPerSecond: rps,
        avgBatch,
      },
    };
  }
  return {
    state: { setting: target, raiseStreak: 0, lowerStreak: 0, sinceChange: 0 },
    decision: {
      direction,
      change: true,
      next: target,
      reason: `${direction} to max_batch_size ${target.maxBatchSize}, queue delay ${target.queueDelayUs} us: ${why}`,
      fill,
      requestsPerSecond: rps,
      avgBatch,
    },
  };
}
