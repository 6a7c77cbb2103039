/**
 * The metric contract (ARCHITECTURE.md, "Metric contract"): every name and label that the
 * gateway exports and that rules, dashboards, drift, A/B and chaos read. One place, so a
 * rename is a compile error rather than a silent empty panel.
 *
 * Labels are low-cardinality only: model, variant, served_by, code, feature, bin, reason,
 * result, label. Never a user id, request id or prediction value.
 */

/** Gateway metrics (prom-client). */
export const GATEWAY = {
  requests: 'inference_requests_total', // {model, variant, served_by, code}
  duration: 'inference_request_duration_seconds', // histogram {model, variant, served_by}
  upstreamDuration: 'inference_upstream_duration_seconds', // histogram {model, variant}
  upstreamErrors: 'inference_upstream_errors_total', // {model, variant, reason}
  cacheRequests: 'inference_cache_requests_total', // {model, result}
  circuitState: 'inference_circuit_state', // gauge {model, variant}: 0 closed, 1 half-open, 2 open
  inflight: 'inference_inflight_requests', // gauge
  featureBins: 'inference_feature_bin_total', // {model, feature, bin}
  predictions: 'inference_predictions_total', // {model, variant, label}
  score: 'inference_score', // histogram {model, variant}
  shadowAgreement: 'inference_shadow_agreement_total', // {model, variant, agree}
  shadowDuration: 'inference_shadow_duration_seconds', // histogram {model, variant}
  defaultedFeatures: 'inference_defaulted_features_total', // {model, feature}
  concurrencyLimit: 'inference_concurrency_limit', // gauge {model, variant}: the adaptive limit now
  upstreamInflight: 'inference_upstream_inflight', // gauge {model, variant}: calls in flight under that limit
  shedShare: 'inference_shed_share', // gauge {model, reason}: share refused at the door (model "all" for event_loop_lag)
} as const;

/** Which tier answered a request (the `served_by` label). */
export const SERVED_BY = ['primary', 'cache', 'stale_cache', 'fallback_model', 'default', 'shed', 'error'] as const;
export type ServedBy = (typeof SERVED_BY)[number];

/** Tiers that count as a good event for availability (the playbook: successful + cached). */
export const GOOD_SERVED_BY: readonly ServedBy[] = ['primary', 'cache', 'stale_cache', 'fallback_model'];

export const CACHE_RESULTS = ['hit', 'miss', 'stale', 'coalesced', 'error'] as const;

/** Upstream error reasons (the `reason` label). */
export const UPSTREAM_ERROR_REASONS = [
  'timeout',
  'unavailable',
  'http_5xx',
  'http_4xx',
  'network',
  'circuit_open',
  'injected',
  // The model answered NaN/Inf for a row: the caller's data, not the upstream's health.
  'non_finite',
  // Refused by the adaptive concurrency limit before any call was made (shed).
  'overloaded',
] as const;

/**
 * Latency histogram buckets (seconds). Every SLO threshold must be one of these exactly,
 * so "fraction under the threshold" is a bucket read, not an interpolation (sloth#506).
 */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5];

/** Score histogram buckets (P(fraud)). */
export const SCORE_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.9];

/** SLO recording rules (core/slo writes them; dashboards and `slo report` read them). The window is a label. */
export const SLO = {
  errorRatio: 'slo:sli_error:ratio_rate', // {slo, model, window}
  burnRate: 'slo:burn_rate:ratio', // {slo, model, window}
  objective: 'slo:objective:ratio', // {slo}
  errorBudget: 'slo:error_budget:ratio', // {slo}  (= 1 - objective)
  budgetRemaining: 'slo:error_budget_remaining:ratio', // {slo, model} over the SLO period
  eventRate: 'slo:events:rate5m', // {slo, model}: for the low-traffic guard
  badEventRate: 'slo:bad_events:rate5m', // {slo, model}: summed with eventRate into the event-weighted period window
  badEvents: 'slo:bad_events:increase', // {slo, model, window}: failed events over a page tier's long window (outage escape)
} as const;

/** Service gauges. */
export const DRIFT = {
  score: 'drift_score', // {model, feature, statistic}
  threshold: 'drift_threshold', // {model, feature, statistic}
  detected: 'drift_detected', // {model, feature}: 1 drift, 0 none; absent = no data
  predictionRateShift: 'drift_prediction_rate_relative_change', // {model, label}
  samples: 'drift_window_samples', // {model}
} as const;

export const ABTEST = {
  pValue: 'abtest_p_value', // {experiment, metric}
  eValue: 'abtest_e_value', // {experiment, test}
  intervalLower: 'abtest_interval_lower', // {experiment, metric}
  intervalUpper: 'abtest_interval_upper', // {experiment, metric}
  decision: 'abtest_decision', // {experiment, decision}: 1 for the current decision
  weight: 'abtest_weight', // {experiment, model, variant}
  samples: 'abtest_samples', // {experiment, variant}
} as const;

export const CHAOS = {
  lastRun: 'chaos_experiment_last_run_timestamp_seconds', // {experiment}
  success: 'chaos_experiment_success', // {experiment}: 1 hypothesis held, 0 deviated/failed
  detection: 'chaos_experiment_detection_seconds', // {experiment}
  recovery: 'chaos_experiment_recovery_seconds', // {experiment}
} as const;

/**
 * Deploy speed (`steadystate deploy`, services/deploy/publish-metrics.ts via the Pushgateway):
 * a histogram over every finished deploy in the journals, registration to 100% or rollback,
 * buckets at the Deployment SLO's target and limit; {model}. And the last deploy's figures.
 */
export const DEPLOY = {
  duration: 'deploy_duration_seconds', // histogram: _bucket{le}, _count, _sum {model}
  lastDuration: 'deploy_last_duration_seconds', // {model, status}
  lastStageDuration: 'deploy_last_stage_duration_seconds', // {model, stage}
  lastEnded: 'deploy_last_ended_timestamp_seconds', // {model}
  /** Recording rule (alerts/deploy-*.rules.yml): share of deploys within the SLO's target. */
  speedRatio: 'slo:deploy_within_target:ratio', // {model}
} as const;

/** Label-based quality (`steadystate labels serve`, services/labels/gauges.ts): {model, variant, window} only. */
export const LABELS = {
  prAuc: 'label_quality_pr_auc',
  precision: 'label_quality_precision',
  recall: 'label_quality_recall',
  expectedPositiveRate: 'label_quality_expected_positive_rate', // mean score of the labelled predictions
  observedPositiveRate: 'label_quality_observed_positive_rate', // share of positive labels
  coverage: 'label_quality_coverage_ratio', // labelled / sampled predictions
  labelled: 'label_quality_labelled', // labels joined in the window
  positives: 'label_quality_positives', // positive labels joined in the window
  delayMedian: 'label_quality_delay_median_seconds',
  delayP90: 'label_quality_delay_p90_seconds',
  baseline: 'label_quality_baseline_pr_auc', // {model, variant}: holdout PR AUC from the LabelMonitor
} as const;

/** Batch scoring on spot capacity (`steadystate batch score`, pushed to the Pushgateway; label `batch_job`). */
export const BATCH = {
  rowsDone: 'batch_rows_done', // rows scored (committed or finished since the last checkpoint)
  rowsCommitted: 'batch_rows_committed', // rows claimed by the last checkpoint
  rowsTotal: 'batch_rows_total', // rows in the dataset
  rowsPerSecond: 'batch_rows_per_second', // this run's rate
  lastCheckpoint: 'batch_last_checkpoint_timestamp_seconds', // age = time() - this
  runs: 'batch_runs', // runs so far (1 + resumes)
  interrupted: 'batch_interrupted', // 1 after a spot notice stopped the run, 0 while running or done
} as const;
export const BATCH_JOB = 'steadystate-batch';
/** Adaptive batching (`steadystate batching watch`, services/batching/gauges.ts): {model} = the Triton model. */
export const BATCHING = {
  maxBatchSize: 'batching_max_batch_size', // gauge {model}: the max_batch_size in force
  queueDelay: 'batching_queue_delay_seconds', // gauge {model}: the max_queue_delay in force
  avgBatch: 'batching_observed_avg_batch_size', // gauge {model}: requests / executions in the last interval
  queueTime: 'batching_observed_queue_seconds', // gauge {model}: mean queue time per request in the last interval
  changes: 'batching_changes_total', // counter {model, direction}: reloads made (raise | lower)
} as const;
/**
 * The feature store (Feast, issue 15): pushed to the Pushgateway (job `steadystate-feature-store`)
 * by the materialization schedule and by `steadystate drift skew --feast-data --pushgateway`.
 */
export const FEATURE_STORE = {
  /** {view}: age of the newest materialized value in the online store, seconds. */
  freshness: 'feature_store_freshness_seconds',
  /** {view}: seconds the last materialize-incremental took. */
  materializeDuration: 'feature_store_materialize_duration_seconds',
  /** {feature}: share of logged predictions whose served value differs from the point-in-time offline value. */
  skewMismatch: 'feature_skew_mismatch_ratio',
  /** {feature}: mean |served - offline| over the compared predictions. */
  skewMeanAbsoluteDifference: 'feature_skew_mean_absolute_difference',
} as const;
