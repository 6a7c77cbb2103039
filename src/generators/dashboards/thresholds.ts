/**
 * Lines drawn on panels. The latency lines are the SLO thresholds of the default spec
 * (100 ms for the p99 objective, 500 ms for "never this slow"); both are buckets of the
 * duration histogram, so the line and the SLI measure the same edge (sloth#506).
 */
export const LATENCY_SLO_SECONDS = { target: 0.1, limit: 0.5 } as const;

/**
 * Triton's average batch size below 8 means the dynamic batcher is not filling the GPU
 * (NVIDIA's Triton optimization guide: throughput on GPU rises with batch size until
 * compute saturates; small batches leave the device underused).
 */
export const UNDERUSED_GPU_BATCH_SIZE = 8;

/** max_batch_size of the bundled models (config.pbtxt of each model in serving/model_repository): one full batch waiting. */
export const TRITON_MAX_BATCH_SIZE = 32;

/**
 * Multiwindow, multi-burn-rate alert factors (SRE workbook, "Alerting on SLOs", table 5-8):
 * 14.4 and 6 page, 3 and 1 open a ticket.
 */
export const BURN_RATE_PAGE = [14.4, 6] as const;
export const BURN_RATE_TICKET = [3, 1] as const;

/** A sequential test's usual level: p < 0.05 / e > 1/0.05 is significant. */
export const ABTEST_ALPHA = 0.05;

/** Grafana's palette names; thresholds read green -> orange -> red as things get worse. */
export const COLOR = { ok: 'green', warn: 'orange', bad: 'red', info: 'blue', neutral: 'text' } as const;
