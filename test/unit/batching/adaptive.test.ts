import { describe, expect, it } from 'vitest';
import {
  type AdaptiveBatchingLimits,
  type BatchingObservation,
  type ControllerState,
  decide,
  initialState,
  limitProblems,
} from '../../../src/core/batching/adaptive.ts';

const limits: AdaptiveBatchingLimits = {
  minBatchSize: 32,
  maxBatchSize: 64,
  minQueueDelayUs: 1000,
  maxQueueDelayUs: 10_000,
  raiseAboveFill: 0.75,
  lowerBelowFill: 0.25,
  minRequestsPerSecond: 50,
  sustain: 3,
  cooldownIntervals: 2,
};
/** An interval of 5 s at `rps` with batches of `batch` on average. */
const obs = (rps: number, batch: number): BatchingObservation => ({
  requests: rps * 5,
  executions: (rps * 5) / batch,
  queueMs: 2,
  seconds: 5,
});

function run(state: ControllerState, observations: BatchingObservation[]) {
  const decisions = [];
  for (const o of observations) {
    const r = decide(state, o, limits);
    state = r.state;
    decisions.push(r.decision);
  }
  return { state, decisions };
}

describe('adaptive batching decision core', () => {
  it('raises 32 -> 64 only after `sustain` full intervals, then stops at the limit', () => {
    const { state, decisions } = run(initialState({ maxBatchSize: 32, queueDelayUs: 1000 }), [
      obs(4000, 30),
      obs(4000, 30),
      obs(4000, 30),
      obs(4000, 60),
      obs(4000, 60),
      obs(4000, 64),
      obs(4000, 64),
    ]);
    expect(decisions.map((d) => d.change)).toEqual([false, false, true, false, false, false, false]);
    expect(decisions[2]?.next).toEqual({ maxBatchSize: 64, queueDelayUs: 10_000 });
    expect(state.setting.maxBatchSize).toBe(64);
    // At the upper limit full batches hold instead of asking for more.
    expect(decisions.at(-1)?.direction).toBe('hold');
  });

  it('lowers back when traffic falls, not before the cooldown, and a mixed signal resets the streak', () => {
    const start: ControllerState = { ...initialState({ maxBatchSize: 64, queueDelayUs: 10_000 }), sinceChange: 0 };
    const { decisions } = run(start, [
      obs(200, 4), // low, 1/3 (and inside cooldown)
      obs(200, 4), // low, 2/3
      obs(3000, 30), // inside the band: resets
      obs(200, 4),
      obs(200, 4),
      obs(200, 4), // 3/3, cooldown over: change
    ]);
    expect(decisions.map((d) => d.change)).toEqual([false, false, false, false, false, true]);
    expect(decisions[2]?.direction).toBe('hold');
    expect(decisions[5]?.next).toEqual({ maxBatchSize: 32, queueDelayUs: 1000 });
  });

  it('holds on quiet traffic: small batches at 10 req/s are not a reason to change', () => {
    const { decisions } = run(initialState({ maxBatchSize: 64, queueDelayUs: 10_000 }), [
      obs(10, 1),
      obs(10, 1),
      obs(10, 1),
      obs(10, 1),
    ]);
    expect(decisions.every((d) => d.direction === 'hold' && !d.change)).toBe(true);
    expect(decisions[0]?.reason).toMatch(/below 50/);
  });

  it('names the field in limit problems', () => {
    expect(limitProblems({ ...limits, maxBatchSize: 16 })).toEqual([
      'maxBatchSize must be an integer >= minBatchSize (32), got 16',
    ]);
    expect(limitProblems({ ...limits, lowerBelowFill: 0.9 })[0]).toMatch(/^fills/);
    expect(limitProblems(limits)).toEqual([]);
  });
});
