import { setTimeout as sleep } from 'node:timers/promises';
/**
 * A small client for the Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/):
 * instant and range queries. Like Flagger's providers it keeps "the query ran and found
 * nothing" (`no-values`) apart from "the query failed" (PrometheusQueryError): the first is
 * an answer a verdict can use ("no data"), the second is not an answer at all.
 */

export interface Sample {
  labels: Record<string, string>;
  /** NaN and ±Inf are values (0/0 at zero traffic is NaN); callers decide what they mean. */
  value: number;
  /** Unix seconds. */
  timestamp: number;
}

export interface Series {
  labels: Record<string, string>;
  points: { timestamp: number; value: number }[];
}

export type InstantResult = { status: 'values'; samples: Sample[]; warnings: string[] } | NoValues;
export type RangeResult = { status: 'values'; series: Series[]; warnings: string[] } | NoValues;
export interface NoValues {
  status: 'no-values';
  warnings: string[];
}

export type QueryFailure = 'unreachable' | 'timeout' | 'http' | 'bad_data' | 'execution' | 'decode';

export class PrometheusQueryError extends Error {
  override readonly name = 'PrometheusQueryError';
  readonly kind: QueryFailure;
  readonly query: string;
  readonly httpStatus: number | undefined;

  constructor(kind: QueryFailure, query: string, message: string, httpStatus?: number) {
    super(`${message} (query: ${query.length > 200 ? `${query.slice(0, 200)}...` : query})`);
    this.kind = kind;
    this.query = query;
    this.httpStatus = httpStatus;
  }
}

export interface PrometheusClientOptions {
  /** e.g. http://127.0.0.1:9090 (a path prefix such as /prometheus is kept). */
  url: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** The API's `data` as Prometheus sends it, for callers that judge the result type themselves. */
export interface QueryData {
  resultType: 'vector' | 'scalar' | 'matrix' | 'string';
  result: unknown;
}

export interface InstantOptions {
  /** Evaluation time (default: now). */
  time?: Date | number;
  /** The caller giving up (a controller stopping); its reason is rethrown as is, not as a query failure. */
  signal?: AbortSignal;
}

interface ApiResponse {
  status: 'success' | 'error';
  data?: QueryData;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

export class PrometheusClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(options: PrometheusClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new TypeError(`PrometheusClient: url "${options.url}" is not a URL; expected e.g. http://127.0.0.1:9090`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`PrometheusClient: url "${options.url}" must be http(s)`);
    }
    this.url = parsed.href.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.headers = options.headers ?? {};
  }

  /** An instant query. Vectors and scalars come back as samples. */
  async instant(query: string, options: InstantOptions = {}): Promise<InstantResult> {
    const { data, warnings } = await this.callInstant(query, options);
    if (data.resultType === 'scalar') {
      const [ts, v] = data.result as [number, string];
      return { status: 'values', samples: [{ labels: {}, value: parseValue(v), timestamp: ts }], warnings };
    }
    if (data.resultType !== 'vector') {
      throw new PrometheusQueryError(
        'decode',
        query,
        `Prometheus at ${this.url} returned a ${data.resultType}, expected a vector or scalar`,
      );
    }
    const result = data.result as { metric: Record<string, string>; value: [number, string] }[];
    if (result.length === 0) return { status: 'no-values', warnings };
    return {
      status: 'values',
      samples: result.map((r) => ({ labels: r.metric, value: parseValue(r.value[1]), timestamp: r.value[0] })),
      warnings,
    };
  }

  /** An instant query's `data` unread: any result type, an empty vector included. */
  async instantData(query: string, options: InstantOptions = {}): Promise<QueryData> {
    return (await this.callInstant(query, options)).data;
  }

  /** A range query from `start` to `end` every `stepSeconds`. */
  async range(
    query: string,
    window: { start: Date | number; end: Date | number; stepSeconds: number },
  ): Promise<RangeResult> {
    if (!(window.stepSeconds > 0)) throw new RangeError(`stepSeconds must be positive, got ${window.stepSeconds}`);
    const { data, warnings } = await this.call(
      '/api/v1/query_range',
      { query, start: String(toUnix(window.start)), end: String(toUnix(window.end)), step: String(window.stepSeconds) },
      query,
    );
    if (data.resultType !== 'matrix') {
      throw new PrometheusQueryError(
        'decode',
        query,
        `Prometheus at ${this.url} returned a ${data.resultType}, expected a matrix`,
      );
    }
    const result = data.result as { metric: Record<string, string>; values: [number, string][] }[];
    if (result.length === 0) return { status: 'no-values', warnings };
    return {
      status: 'values',
      series: result.map((r) => ({
        labels: r.metric,
        points: r.values.map(([timestamp, v]) => ({ timestamp, value: parseValue(v) })),
      })),
      warnings,
    };
  }

  /**
   * Waits until `query` returns values, i.e. until Prometheus has scraped what it selects at
   * least once. A counter's first scrape is the zero `increase()` counts from: traffic sent
   * before it is invisible to every window, so callers wait for it before sending load.
   */
  async waitForValues(query: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<Sample[]> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let last = 'no values';
    while (true) {
      try {
        const result = await this.instant(query);
        if (result.status === 'values') return result.samples;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline) {
        throw new PrometheusQueryError('timeout', query, `no values after ${timeoutMs} ms (last: ${last})`);
      }
      await sleep(options.pollMs ?? 250);
    }
  }

  /** GET /-/ready: true once the server serves queries. */
  async isReady(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/-/ready`, {
        headers: this.headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  private callInstant(query: string, options: InstantOptions): Promise<{ data: QueryData; warnings: string[] }> {
    const params: Record<string, string> = { query };
    if (options.time !== undefined) params.time = String(toUnix(options.time));
    return this.call('/api/v1/query', params, query, options.signal);
  }

  private async call(
    path: string,
    params: Record<string, string>,
    query: string,
    signal?: AbortSignal,
  ): Promise<{ data: QueryData; warnings: string[] }> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      // POST with a form body: long PromQL does not fit in a URL.
      res = await fetch(`${this.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.headers },
        body: new URLSearchParams(params).toString(),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const err = error as Error;
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        throw new PrometheusQueryError(
          'timeout',
          query,
          `Prometheus at ${this.url} did not answer within ${this.timeoutMs} ms`,
        );
      }
      // undici puts the useful part (ECONNREFUSED, "bad port") in `cause`.
      const { cause } = err as { cause?: { code?: string; message?: string } };
      throw new PrometheusQueryError(
        'unreachable',
        query,
        `cannot reach Prometheus at ${this.url} (${cause?.code ?? cause?.message ?? err.message}); is it running?`,
      );
    }
    const text = await res.text();
    let body: ApiResponse;
    try {
      body = JSON.parse(text) as ApiResponse;
    } catch {
      throw new PrometheusQueryError(
        'http',
        query,
        `HTTP ${res.status} from ${this.url}${path}: ${text.slice(0, 200)}`,
        res.status,
      );
    }
    if (body.status !== 'success' || !body.data) {
      const kind: QueryFailure = body.errorType === 'bad_data' ? 'bad_data' : body.errorType ? 'execution' : 'http';
      throw new PrometheusQueryError(
        kind,
        query,
        `Prometheus at ${this.url} rejected the query: ${body.errorType ?? `HTTP ${res.status}`}: ${body.error ?? text.slice(0, 200)}`,
        res.status,
      );
    }
    return { data: body.data, warnings: body.warnings ?? [] };
  }
}

function toUnix(time: Date | number): number {
  return time instanceof Date ? time.getTime() / 1000 : time;
}

/** Prometheus encodes sample values as strings: "1.5", "NaN", "+Inf", "-Inf". */
export function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}
