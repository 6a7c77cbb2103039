import { PrometheusClient } from '../../adapters/prometheus/client.ts';
import type { WindowCounts } from '../../core/drift/window.ts';
import { GATEWAY } from '../../core/metrics/names.ts';

/**
 * The drift watcher's one-method port onto Prometheus (Sloth keeps its arithmetic behind
 * such a port; the shared client in src/adapters/prometheus stands behind it).
 * Resolves an instant vector; an empty vector is "no values", not a failure (Flagger keeps
 * the two apart); a failure rejects with a message naming the query.
 */
export interface InstantQuery {
  query(promql: string): Promise<InstantSample[]>;
}

export interface InstantSample {
  labels: Record<string, string>;
  value: number;
}

/** Prometheus label values are quoted strings; escape what PromQL needs escaped. */
export function promqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * The queries of one window: counters summed across gateway replicas (the scalable path:
 * cost does not grow with traffic or replicas). `increase()` handles counter resets when a
 * gateway restarts.
 */
export function windowQueries(model: string, window: string): { features: string; predictions: string } {
  const selector = `{model=${promqlString(model)}}`;
  return {
    features: `sum by (feature, bin) (increase(${GATEWAY.featureBins}${selector}[${window}]))`,
    predictions: `sum by (variant, label) (increase(${GATEWAY.predictions}${selector}[${window}]))`,
  };
}

/** Reads one window of counters for a model into the detectors' input. */
export async function windowFromPrometheus(
  prometheus: InstantQuery,
  model: string,
  window: string,
): Promise<WindowCounts> {
  const queries = windowQueries(model, window);
  const [features, predictions] = await Promise.all([
    prometheus.query(queries.features),
    prometheus.query(queries.predictions),
  ]);
  const counts: WindowCounts = { features: {}, predictions: {} };
  for (const s of features) {
    const { feature, bin } = s.labels;
    if (!feature || !bin || !Number.isFinite(s.value)) continue;
    const bins = counts.features[feature] ?? {};
    bins[bin] = (bins[bin] ?? 0) + s.value;
    counts.features[feature] = bins;
  }
  for (const s of predictions) {
    const { variant, label } = s.labels;
    if (!variant || !label || !Number.isFinite(s.value)) continue;
    const labels = counts.predictions[variant] ?? {};
    labels[label] = (labels[label] ?? 0) + s.value;
    counts.predictions[variant] = labels;
  }
  return counts;
}

/**
 * InstantQuery over the shared Prometheus client, with a timeout. Only loopback or the URL
 * the operator gives; no retries here (the watcher simply tries again next tick).
 */
export function prometheusInstantQuery(baseUrl: string, options: { timeoutMs?: number } = {}): InstantQuery {
  const client = new PrometheusClient({ url: baseUrl, ...options });
  return {
    async query(promql: string): Promise<InstantSample[]> {
      const result = await client.instant(promql);
      return result.status === 'values' ? result.samples : [];
    },
  };
}
