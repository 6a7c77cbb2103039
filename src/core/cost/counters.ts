import { GATEWAY } from '../metrics/names.ts';

/**
 * The counter increases a cost window is computed from, whatever read them (Prometheus
 * `increase()` over the window, or two recorded /metrics texts). Pure.
 */

/** Triton's per-model families (as Triton 2.51 names them; see generators/dashboards/triton-metrics.ts). */
export const TRITON_COST_COUNTERS = {
  computeInput: 'nv_inference_compute_input_duration_us',
  computeInfer: 'nv_inference_compute_infer_duration_us',
  computeOutput: 'nv_inference_compute_output_duration_us',
  requests: 'nv_inference_request_success',
  executions: 'nv_inference_exec_count',
} as const;

/** Triton's per-GPU memory gauges {gpu_uuid}: GPU builds with DCGM only. */
export const GPU_MEMORY = { used: 'nv_gpu_memory_used_bytes', total: 'nv_gpu_memory_total_bytes' } as const;

/** Increases over the window for one Triton model (summed over versions and Triton replicas). */
export interface TritonModelCounters {
  /** compute_input + compute_infer + compute_output, microseconds, as Triton sums them per request. */
  computeUs: number;
  /** nv_inference_request_success. */
  requests: number;
  /** nv_inference_exec_count: model executions (a dynamic batch counts once). */
  executions: number;
}

export interface GatewayAnswers {
  model: string;
  servedBy: string;
  count: number;
}

export interface CostCounters {
  windowSeconds: number;
  /** Triton servers that held the models during the window (each holds every model's memory). */
  tritonInstances: number;
  triton: Record<string, TritonModelCounters>;
  /** inference_requests_total increases by model and served_by (variants and codes summed). */
  answers: GatewayAnswers[];
  /** Mean per GPU over the window, where Triton exports nv_gpu_memory_* (GPU builds with DCGM). */
  gpuMemory?: { usedBytes: number; totalBytes: number };
}

/** A sample as the text parser and the Prometheus client both give it. */
export interface CounterSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Counters from two scrapes of Triton and the gateway (`before` empty: everything since the
 * processes started). A counter that went down was reset by a restart; its `after` value is
 * then the increase, as Prometheus' increase() treats a reset.
 */
export function countersFromSamples(
  before: CounterSample[],
  after: CounterSample[],
  windowSeconds: number,
  tritonInstances = 1,
): CostCounters {
  const delta = (name: string, labels: (l: Record<string, string>) => string) => {
    const sum = (samples: CounterSample[]) => {
      const out = new Map<string, number>();
      for (const s of samples) {
        if (s.name !== name || !Number.isFinite(s.value)) continue;
        const key = labels(s.labels);
        out.set(key, (out.get(key) ?? 0) + s.value);
      }
      return out;
    };
    const b = sum(before);
    const result = new Map<string, number>();
    for (const [key, value] of sum(after)) {
      const prior = b.get(key) ?? 0;
      result.set(key, value >= prior ? value - prior : value);
    }
    return result;
  };
  const byModel = (l: Record<string, string>) => l.model ?? '';
  const compute = [
    TRITON_COST_COUNTERS.computeInput,
    TRITON_COST_COUNTERS.computeInfer,
    TRITON_COST_COUNTERS.computeOutput,
  ].map((n) => delta(n, byModel));
  const requests = delta(TRITON_COST_COUNTERS.requests, byModel);
  const executions = delta(TRITON_COST_COUNTERS.executions, byModel);
  const triton: Record<string, TritonModelCounters> = {};
  for (const model of requests.keys()) {
    triton[model] = {
      computeUs: compute.reduce((s, m) => s + (m.get(model) ?? 0), 0),
      requests: requests.get(model) ?? 0,
      executions: executions.get(model) ?? 0,
    };
  }
  const answers = [...delta(GATEWAY.requests, (l) => `${l.model ?? ''}\u0000${l.served_by ?? ''}`)].map(
    ([key, count]) => {
      const [model = '', servedBy = ''] = key.split('\u0000');
      return { model, servedBy, count };
    },
  );
  const gauge = (name: string) => {
    const values = after.filter((s) => s.name === name && Number.isFinite(s.value)).map((s) => s.value);
    return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
  };
  const usedBytes = gauge(GPU_MEMORY.used);
  const totalBytes = gauge(GPU_MEMORY.total);
  return {
    windowSeconds,
    tritonInstances,
    triton,
    answers,
    ...(usedBytes !== undefined && totalBytes !== undefined ? { gpuMemory: { usedBytes, totalBytes } } : {}),
  };
}

/**
 * GPU-busy seconds of one Triton model. Triton adds a batch's compute time to every request
 * in the batch, so the summed durations overstate busy time by the average dynamic batch
 * size (requests / executions); dividing by it gives one batch time per execution.
 */
export function gpuSeconds(c: TritonModelCounters): number {
  if (c.requests <= 0) return 0;
  const perExecution = c.executions > 0 ? Math.min(1, c.executions / c.requests) : 1;
  return (c.computeUs / 1e6) * perExecution;
}

/** True when nothing was served in the window: no Triton request and no gateway answer. */
export function isEmptyWindow(c: CostCounters): boolean {
  return Object.values(c.triton).every((t) => t.requests <= 0) && c.answers.every((a) => a.count <= 0);
}
