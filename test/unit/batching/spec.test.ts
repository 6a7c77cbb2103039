import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adaptiveBatching, adaptiveLimits } from '../../../src/core/spec/kinds/adaptive-batching.ts';
import { parseSpec, stackOf } from '../../../src/core/spec/parse.ts';

describe('Stack.spec.models[].adaptiveBatching', () => {
  it('is read from steadystate.yaml with its defaults and converted to limits in microseconds', () => {
    const stack = stackOf(parseSpec(readFileSync('steadystate.yaml', 'utf8')));
    const spec = stack.spec.models[0]?.adaptiveBatching;
    expect(spec).toMatchObject({ minBatchSize: 32, maxBatchSize: 64, sustain: 3, interval: '5s' });
    expect(adaptiveLimits(spec as NonNullable<typeof spec>)).toMatchObject({
      minQueueDelayUs: 1000,
      maxQueueDelayUs: 10_000,
    });
  });

  it.each([
    [
      { minBatchSize: 64, maxBatchSize: 32 },
      'maxBatchSize',
      /maxBatchSize must be an integer >= minBatchSize \(64\), got 32/,
    ],
    [{ minQueueDelay: '20ms', maxQueueDelay: '10ms' }, 'maxQueueDelay', /minQueueDelay <= maxQueueDelay/],
    [{ lowerBelowFill: 0.8, raiseAboveFill: 0.5 }, 'lowerBelowFill', /lowerBelowFill < raiseAboveFill/],
    [{ maxQueueDelay: '10 ms' }, 'maxQueueDelay', /must be a duration like/],
  ])('rejects %j naming the field', (value, field, message) => {
    const result = adaptiveBatching.safeParse(value);
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((i) => i.path[0] === field);
    expect(issue?.message).toMatch(message);
  });
});
