import { Counter, Gauge, Registry } from 'prom-client';
import type { BatchingSetting, Decision } from '../../core/batching/adaptive.ts';
import { BATCHING } from '../../core/metrics/names.ts';

/** The batching controller's batching_* series (names from core/metrics/names.ts), on a registry of its own. */
export interface BatchingGauges {
  registry: Registry;
  setting(model: string, setting: BatchingSetting): void;
  observed(model: string, decision: Decision, queueMs: number): void;
  changed(model: string, direction: 'raise' | 'lower'): void;
}

export function batchingGauges(registry = new Registry()): BatchingGauges {
  const g = (name: string, help: string) => new Gauge({ name, help, labelNames: ['model'], registers: [registry] });
  const maxBatch = g(BATCHING.maxBatchSize, 'max_batch_size in force for the Triton model.');
  const delay = g(BATCHING.queueDelay, 'max_queue_delay in force for the Triton model, seconds.');
  const avgBatch = g(BATCHING.avgBatch, 'Requests per execution in the last controller interval.');
  const queue = g(BATCHING.queueTime, 'Mean time a request waited in the queue in the last interval, seconds.');
  const changes = new Counter({
    name: BATCHING.changes,
    help: 'Configuration reloads made by the adaptive batching controller.',
    labelNames: ['model', 'direction'],
    registers: [registry],
  });
  return {
    registry,
    setting(model, s) {
      maxBatch.set({ model }, s.maxBatchSize);
      delay.set({ model }, s.queueDelayUs / 1e6);
    },
    observed(model, d, queueMs) {
      avgBatch.set({ model }, d.avgBatch);
      queue.set({ model }, queueMs / 1000);
    },
    changed(model, direction) {
      changes.inc({ model, direction });
    },
  };
}
