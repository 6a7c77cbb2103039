import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeBatchingPort } from '../../../src/services/batching/batching-port.ts';
import { BatchingController } from '../../../src/services/batching/controller.ts';
import { batchingGauges } from '../../../src/services/batching/gauges.ts';

describe('BatchingController (fake Triton)', () => {
  it('reloads with a larger batch under sustained full batches, journals and exports it, and goes back down', async () => {
    const port = new FakeBatchingPort({ maxBatchSize: 32, queueDelayUs: 1000 });
    const journal = join(mkdtempSync(join(tmpdir(), 'batching-')), 'journal.jsonl');
    const gauges = batchingGauges();
    let now = 0;
    const controller = new BatchingController({
      model: 'fraud_v1',
      port,
      journal,
      gauges,
      now: () => now,
      limits: {
        minBatchSize: 32,
        maxBatchSize: 64,
        minQueueDelayUs: 1000,
        maxQueueDelayUs: 10_000,
        raiseAboveFill: 0.75,
        lowerBelowFill: 0.25,
        minRequestsPerSecond: 50,
        sustain: 2,
        cooldownIntervals: 0,
      },
    });
    await controller.start();
    const interval = async (requests: number, batch: number) => {
      now += 1000;
      port.totals = {
        requests: port.totals.requests + requests,
        executions: port.totals.executions + requests / batch,
        queueNs: port.totals.queueNs + requests * 2e6,
        queueCount: port.totals.queueCount + requests,
      };
      return controller.tick();
    };
    await interval(3000, 30);
    expect(port.applied).toEqual([]);
    await interval(3000, 30);
    expect(port.applied).toEqual([{ model: 'fraud_v1', setting: { maxBatchSize: 64, queueDelayUs: 10_000 } }]);
    await interval(100, 2);
    await interval(100, 2);
    expect(port.current).toEqual({ maxBatchSize: 32, queueDelayUs: 1000 });

    const lines = readFileSync(journal, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ event: 'start', model: 'fraud_v1', setting: { maxBatchSize: 32 } });
    expect(lines.filter((l) => l.applied === true).map((l) => l.direction)).toEqual(['raise', 'lower']);
    const text = await gauges.registry.metrics();
    expect(text).toContain('batching_max_batch_size{model="fraud_v1"} 32');
    expect(text).toContain('batching_changes_total{model="fraud_v1",direction="raise"} 1');
  });

  it('keeps the state when a reload fails, so the next interval retries', async () => {
    const port = new FakeBatchingPort({ maxBatchSize: 32, queueDelayUs: 1000 });
    let fail = true;
    const apply = port.apply.bind(port);
    port.apply = async (m, s) => {
      if (fail) throw new Error('load failed: out of memory');
      return apply(m, s);
    };
    let now = 0;
    const controller = new BatchingController({
      model: 'm',
      port,
      now: () => now,
      limits: {
        minBatchSize: 32,
        maxBatchSize: 64,
        minQueueDelayUs: 0,
        maxQueueDelayUs: 10_000,
        raiseAboveFill: 0.75,
        lowerBelowFill: 0.25,
        minRequestsPerSecond: 1,
        sustain: 1,
        cooldownIntervals: 0,
      },
    });
    await controller.start();
    const full = async () => {
      now += 1000;
      port.totals = { ...port.totals, requests: port.totals.requests + 320, executions: port.totals.executions + 10 };
      await controller.tick();
    };
    await full();
    expect(controller.decisions.at(-1)).toMatchObject({ change: true, applied: false });
    expect(controller.state?.setting.maxBatchSize).toBe(32);
    fail = false;
    await full();
    expect(port.current.maxBatchSize).toBe(64);
  });
});
