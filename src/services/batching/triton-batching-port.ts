import type { TritonClient } from '../../adapters/triton/client.ts';
import type { BatchingSetting } from '../../core/batching/adaptive.ts';
import type { BatchingCounters, BatchingPort } from './batching-port.ts';

/**
 * The batching port on a real Triton: counters from GET v2/models/<m>/stats, the setting from
 * GET v2/models/<m>/config, changes through a load with a configuration override (Triton must
 * run with --model-control-mode=explicit). uint64 fields such as
 * max_queue_delay_microseconds come back as JSON strings (protobuf's JSON mapping).
 */
export function tritonBatchingPort(client: TritonClient): BatchingPort {
  return {
    async counters(model): Promise<BatchingCounters> {
      const stats = await client.statistics(model);
      const sum = (f: (s: (typeof stats)[number]) => number) => stats.reduce((acc, s) => acc + f(s), 0);
      return {
        requests: sum((s) => Number(s.inference_count)),
        executions: sum((s) => Number(s.execution_count)),
        queueNs: sum((s) => Number(s.inference_stats.queue?.ns ?? 0)),
        queueCount: sum((s) => Number(s.inference_stats.queue?.count ?? 0)),
      };
    },
    async setting(model): Promise<BatchingSetting> {
      const config = await client.modelConfig(model);
      if (!config.dynamic_batching)
        throw new Error(
          `Triton model ${model} has no dynamic_batching in its configuration; adaptive batching needs it on (config.pbtxt)`,
        );
      return {
        maxBatchSize: Number(config.max_batch_size ?? 0),
        queueDelayUs: Number(config.dynamic_batching.max_queue_delay_microseconds ?? 0),
      };
    },
    async apply(model, setting): Promise<void> {
      const config = await client.modelConfig(model);
      const batching = { ...(config.dynamic_batching ?? {}) } as Record<string, unknown>;
      batching.max_queue_delay_microseconds = String(setting.queueDelayUs);
      // Triton refuses a preferred size above max_batch_size: keep only those that still fit.
      const preferred = (batching.preferred_batch_size as number[] | undefined)?.filter(
        (n) => Number(n) <= setting.maxBatchSize,
      );
      if (preferred) batching.preferred_batch_size = preferred;
      await client.loadModelWithConfig(model, {
        ...config,
        max_batch_size: setting.maxBatchSize,
        dynamic_batching: batching,
      });
    },
  };
}
