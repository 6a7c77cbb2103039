import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdaptiveStack, startAdaptiveStack } from '../../bench/lib/adaptive-experiment.ts';

/**
 * Adaptive batching end to end: real Triton (fraud_v1 as shipped, max_batch_size 32), real
 * gateway, the project's open-model load driver. 128 requests in flight make Triton's
 * batches come out well filled, so the controller reloads fraud_v1 with max_batch_size 64;
 * when traffic falls to a trickle it goes back to 32. Triton's own config endpoint and the
 * journal must both say so.
 */
describe('adaptive batching controller on Triton', () => {
  let stack: AdaptiveStack;
  beforeAll(async () => {
    stack = await startAdaptiveStack(
      {
        minBatchSize: 32,
        maxBatchSize: 64,
        minQueueDelayUs: 1000,
        maxQueueDelayUs: 10_000,
        raiseAboveFill: 0.4,
        lowerBelowFill: 0.2,
        minRequestsPerSecond: 5,
        sustain: 2,
        cooldownIntervals: 1,
      },
      1000,
    );
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it('raises max_batch_size under high traffic and lowers it when traffic falls', async () => {
    const journal = join(mkdtempSync(join(tmpdir(), 'adaptive-batching-')), 'journal.jsonl');
    const { phases, decisions } = await stack.pass({
      controller: true,
      journal,
      phases: [
        // Up: 128 requests in flight straight to Triton (the gateway on 2 shared cores
        // saturates before Triton's batches fill). Down: a trickle through the gateway with
        // the project's open-model load driver.
        { name: 'high', tritonConcurrency: 128, seconds: 10 },
        { name: 'low', ratePerSecond: 30, seconds: 8 },
      ],
    });
    const [high, low] = phases;
    expect(high?.maxBatchSizeAtEnd).toBe(64);
    expect(low?.maxBatchSizeAtEnd).toBe(32);
    const applied = decisions.filter((d) => d.applied).map((d) => `${d.direction} ${d.next.maxBatchSize}`);
    expect(applied).toEqual(['raise 64', 'lower 32']);
    const lines = readFileSync(journal, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ event: 'start', model: 'fraud_v1', setting: { maxBatchSize: 32 } });
    expect(lines.filter((l) => l.applied).map((l) => l.direction)).toEqual(['raise', 'lower']);
    // High traffic formed real batches; low traffic mostly singles.
    expect(high?.avgBatch).toBeGreaterThan(8);
    expect(low?.avgBatch).toBeLessThan(4);
  }, 90_000);
});
