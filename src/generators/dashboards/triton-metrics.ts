/**
 * Triton Inference Server's own metric families, as Triton 2.51 names them
 * (docs/user_guide/metrics.md). Checked against the server we run: the first twelve are in
 * the /metrics of the nvidia-pytriton tritonserver on this CPU-only machine; the nv_gpu_*
 * names are compiled into its libtritonserver.so but exported only when DCGM sees a GPU.
 * NVIDIA's older sample dashboard still queries names Triton no longer exports, which is
 * why this list is short and verified rather than copied.
 */
export const TRITON = {
  /** Counters {model, version}. Triton counts per request, not per batch. */
  requestSuccess: 'nv_inference_request_success',
  /** Counter {model, version, reason}: reason is REJECTED, CANCELED, BACKEND or OTHER. */
  requestFailure: 'nv_inference_request_failure',
  /** Inferences performed; a batch of 8 counts 8. */
  inferenceCount: 'nv_inference_count',
  /** Model executions; a batch of 8 counts 1. count / exec_count = average batch size. */
  execCount: 'nv_inference_exec_count',
  /** Cumulative microseconds, summed over requests (divide by requests for a per-request mean). */
  requestDuration: 'nv_inference_request_duration_us',
  queueDuration: 'nv_inference_queue_duration_us',
  computeInputDuration: 'nv_inference_compute_input_duration_us',
  computeInferDuration: 'nv_inference_compute_infer_duration_us',
  computeOutputDuration: 'nv_inference_compute_output_duration_us',
  /** Gauge {model, version}: requests waiting in the scheduler queue. */
  pendingRequests: 'nv_inference_pending_request_count',
  /** Gauges without a model label. nv_cpu_utilization is a ratio in [0, 1]. */
  cpuUtilization: 'nv_cpu_utilization',
  cpuMemoryUsed: 'nv_cpu_memory_used_bytes',
  cpuMemoryTotal: 'nv_cpu_memory_total_bytes',
  /** Gauges {gpu_uuid}: GPU builds with DCGM only. Utilization is a ratio in [0, 1]. */
  gpuUtilization: 'nv_gpu_utilization',
  gpuMemoryUsed: 'nv_gpu_memory_used_bytes',
  gpuMemoryTotal: 'nv_gpu_memory_total_bytes',
  /** Watts. */
  gpuPowerUsage: 'nv_gpu_power_usage',
  gpuPowerLimit: 'nv_gpu_power_limit',
} as const;
