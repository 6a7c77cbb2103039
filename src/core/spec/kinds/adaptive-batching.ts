import { z } from 'zod';
import { type AdaptiveBatchingLimits, limitProblems } from '../../batching/adaptive.ts';
import { duration, parseDuration } from './common.ts';

/**
 * `Stack.spec.models[].adaptiveBatching`: the playbook's stage 3. `steadystate batching watch`
 * raises max_batch_size (and the queue delay) of the model's Triton models while their batches
 * come out full and lowers them when traffic falls, within these limits (core/batching/adaptive.ts).
 */
export const adaptiveBatching = z
  .strictObject({
    minBatchSize: z.number().int().min(1).default(32),
    maxBatchSize: z.number().int().min(1).default(64),
    minQueueDelay: duration.default('1ms'),
    maxQueueDelay: duration.default('10ms'),
    /** Raise when average batch / max_batch_size reaches this. */
    raiseAboveFill: z.number().gt(0).max(1).default(0.75),
    /** Lower when it falls to this. */
    lowerBelowFill: z.number().min(0).lt(1).default(0.25),
    /** Below this many requests per second the controller holds. */
    minRequestsPerSecond: z.number().min(0).default(50),
    interval: duration.default('5s'),
    /** Consecutive intervals that must agree before a change (hysteresis). */
    sustain: z.number().int().min(1).default(3),
    /** Intervals after a change during which no other change is made. */
    cooldownIntervals: z.number().int().min(0).default(2),
  })
  .superRefine((a, ctx) => {
    const fields: [keyof typeof a, RegExp][] = [
      ['maxBatchSize', /^maxBatchSize/],
      ['minBatchSize', /^minBatchSize/],
      ['maxQueueDelay', /^queue delays/],
      ['lowerBelowFill', /^fills/],
      ['sustain', /^sustain/],
    ];
    let limits: AdaptiveBatchingLimits;
    try {
      limits = adaptiveLimits(a);
    } catch {
      return; // a malformed duration: its own field already carries the error
    }
    for (const problem of limitProblems(limits)) {
      const field = fields.find(([, re]) => re.test(problem))?.[0] ?? 'maxBatchSize';
      ctx.addIssue({ code: 'custom', path: [field], message: problem });
    }
    if (/^\d+(ms|s|m|h|d|w)$/.test(a.interval) && parseDuration(a.interval) <= 0)
      ctx.addIssue({ code: 'custom', path: ['interval'], message: `must be longer than 0, got "${a.interval}"` });
  });

export type AdaptiveBatchingSpec = z.infer<typeof adaptiveBatching>;

export function adaptiveLimits(a: AdaptiveBatchingSpec): AdaptiveBatchingLimits {
  return {
    minBatchSize: a.minBatchSize,
    maxBatchSize: a.maxBatchSize,
    minQueueDelayUs: Math.round(parseDuration(a.minQueueDelay) * 1e6),
    maxQueueDelayUs: Math.round(parseDuration(a.maxQueueDelay) * 1e6),
    raiseAboveFill: a.raiseAboveFill,
    lowerBelowFill: a.lowerBelowFill,
    minRequestsPerSecond: a.minRequestsPerSecond,
    sustain: a.sustain,
    cooldownIntervals: a.cooldownIntervals,
  };
}
