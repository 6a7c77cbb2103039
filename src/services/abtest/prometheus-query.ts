/**
 * A minimal client for Prometheus' instant-query API (GET /api/v1/query), enough for the
 * A/B controller. https://prometheus.io/docs/prometheus/latest/querying/api/
 * (A shared adapter lives in src/adapters/prometheus; this stays behind CounterSource so
 * either can serve.)
 */
import { fetchFailure } from './fetch-error.ts';

export interface VectorSample {
  labels: Record<string, string>;
  value: number;
  /** Evaluation timestamp in seconds. */
  timestamp: number;
}

export class PrometheusQueryError extends Error {
  override readonly name = 'PrometheusQueryError';
}

interface ApiResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] };
}

export async function queryInstant(
  baseUrl: string,
  promql: string,
  options: { timeoutMs?: number; time?: number; signal?: AbortSignal } = {},
): Promise<VectorSample[]> {
  const url = new URL('/api/v1/query', baseUrl);
  url.searchParams.set('query', promql);
  if (options.time !== undefined) url.searchParams.set('time', String(options.time));
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  } catch (error) {
    throw new PrometheusQueryError(`Prometheus at ${url.origin} is unreachable (${fetchFailure(error)})`);
  }
  const text = await response.text();
  let body: ApiResponse;
  try {
    body = JSON.parse(text) as ApiResponse;
  } catch {
    throw new PrometheusQueryError(
      `Prometheus at ${url.origin} answered HTTP ${response.status} with non-JSON: ${text.slice(0, 120)}`,
    );
  }
  if (body.status !== 'success') {
    throw new PrometheusQueryError(
      `Prometheus rejected "${promql}": ${body.errorType ?? `HTTP ${response.status}`}: ${body.error ?? 'no error text'}`,
    );
  }
  if (body.data?.resultType !== 'vector' || !Array.isArray(body.data.result)) {
    throw new PrometheusQueryError(
      `"${promql}" returned a ${body.data?.resultType ?? 'missing'} result, expected a vector`,
    );
  }
  return body.data.result.map((r) => ({
    labels: r.metric ?? {},
    value: Number(r.value?.[1]),
    timestamp: Number(r.value?.[0]),
  }));
}
