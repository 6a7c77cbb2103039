import type { ModelStatistics } from '../../src/adapters/triton/types.ts';

/**
 * Triton's per-model statistics (GET v2/models/<m>/stats) as a delta between two snapshots,
 * turned into per-request and per-execution costs. Triton's `inference_stats` durations are
 * cumulative per request (queue, compute_input, compute_infer, compute_output); the
 * `batch_stats` entries give, per batch size, how many executions ran and their compute_infer
 * time: the backend's per-batch cost.
 */
export interface StatsDelta {
  requests: number;
  executions: number;
  avgBatch: number;
  /** Mean per request, in ms. */
  queueMs: number;
  computeInputMs: number;
  computeInferMs: number;
  computeOutputMs: number;
  /** Executions per batch size and the mean compute_infer time of one such execution (ms). */
  batches: { size: number; executions: number; inferMsPerExecution: number }[];
}

export function statsDelta(before: ModelStatistics | undefined, after: ModelStatistics): StatsDelta {
  const stat = (s: ModelStatistics | undefined, key: string) => s?.inference_stats[key] ?? { count: 0, ns: 0 };
  const per = (key: string) => {
    const a = stat(after, key);
    const b = stat(before, key);
    const count = a.count - b.count;
    return count > 0 ? (a.ns - b.ns) / count / 1e6 : 0;
  };
  const requests = after.inference_count - (before?.inference_count ?? 0);
  const executions = after.execution_count - (before?.execution_count ?? 0);
  const beforeBatches = new Map((before?.batch_stats ?? []).map((b) => [b.batch_size, b.compute_infer]));
  const batches = (after.batch_stats ?? [])
    .map((b) => {
      const prev = beforeBatches.get(b.batch_size) ?? { count: 0, ns: 0 };
      const n = b.compute_infer.count - prev.count;
      return {
        size: b.batch_size,
        executions: n,
        inferMsPerExecution: n > 0 ? (b.compute_infer.ns - prev.ns) / n / 1e6 : 0,
      };
    })
    .filter((b) => b.executions > 0)
    .sort((x, y) => x.size - y.size);
  return {
    requests,
    executions,
    avgBatch: executions > 0 ? requests / executions : Number.NaN,
    queueMs: per('queue'),
    computeInputMs: per('compute_input'),
    computeInferMs: per('compute_infer'),
    computeOutputMs: per('compute_output'),
    batches,
  };
}
