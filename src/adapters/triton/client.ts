import { Agent, request } from 'undici';
import { TritonError } from './errors.ts';
import { type MetricSample, parsePrometheusText } from './metrics-text.ts';
import type {
  InferRequest,
  InferResponse,
  ModelConfig,
  ModelMetadata,
  ModelStatistics,
  RepositoryIndexEntry,
} from './types.ts';

export interface TritonClientOptions {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  /** e.g. http://127.0.0.1:8002 (Triton's --metrics-port). */
  metricsUrl?: string;
  /** Default per-call timeout; infer() takes its own deadline through `signal`. */
  timeoutMs?: number;
  /** Keep-alive connections per origin; enough for the dynamic batcher to see concurrency. */
  connections?: number;
}

/**
 * A typed KServe v2 client for Triton's HTTP endpoint (JSON tensors), plus Triton's
 * extensions we need: repository index, explicit load/unload, statistics, metrics.
 * Every failure is a TritonError carrying Triton's message and the HTTP status.
 */
export class TritonClient {
  readonly url: string;
  readonly metricsUrl: string | undefined;
  private readonly timeoutMs: number;
  private readonly dispatcher: Agent;

  constructor(options: TritonClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new TypeError(`TritonClient: url "${options.url}" is not a URL; expected e.g. http://127.0.0.1:8000`);
    }
    this.url = parsed.origin;
    this.metricsUrl = options.metricsUrl ? new URL(options.metricsUrl).origin : undefined;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.dispatcher = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  async isLive(): Promise<boolean> {
    return this.probe('/v2/health/live', 'live');
  }

  async isReady(): Promise<boolean> {
    return this.probe('/v2/health/ready', 'ready');
  }

  async isModelReady(model: string, version?: string): Promise<boolean> {
    return this.probe(`${modelPath(model, version)}/ready`, 'model ready', model);
  }

  async modelMetadata(model: string, version?: string): Promise<ModelMetadata> {
    return this.call<ModelMetadata>('GET', modelPath(model, version), 'metadata', model);
  }

  async modelConfig(model: string, version?: string): Promise<ModelConfig> {
    return this.call<ModelConfig>('GET', `${modelPath(model, version)}/config`, 'config', model);
  }

  async infer(
    model: string,
    body: InferRequest,
    opts: { version?: string; signal?: AbortSignal } = {},
  ): Promise<InferResponse> {
    return this.call<InferResponse>(
      'POST',
      `${modelPath(model, opts.version)}/infer`,
      'infer',
      model,
      body,
      opts.signal,
    );
  }

  async repositoryIndex(readyOnly = false): Promise<RepositoryIndexEntry[]> {
    return this.call<RepositoryIndexEntry[]>('POST', '/v2/repository/index', 'repository index', undefined, {
      ready: readyOnly,
    });
  }

  /** Explicit model control (tritonserver --model-control-mode=explicit). */
  async loadModel(model: string): Promise<void> {
    await this.call('POST', `/v2/repository/models/${encodeURIComponent(model)}/load`, 'load', model, {});
  }

  /**
   * Loads (or reloads) a model with a configuration override: Triton's repository API takes
   * the whole model configuration as a JSON string in `parameters.config` and uses it instead
   * of config.pbtxt (docs/protocol/extension_model_repository.md). The running version keeps
   * serving until the new one is ready.
   */
  async loadModelWithConfig(model: string, config: ModelConfig): Promise<void> {
    await this.call('POST', `/v2/repository/models/${encodeURIComponent(model)}/load`, 'load', model, {
      parameters: { config: JSON.stringify(config) },
    });
  }

  async unloadModel(model: string): Promise<void> {
    await this.call('POST', `/v2/repository/models/${encodeURIComponent(model)}/unload`, 'unload', model, {});
  }

  async statistics(model?: string): Promise<ModelStatistics[]> {
    const path = model ? `${modelPath(model)}/stats` : '/v2/models/stats';
    const body = await this.call<{ model_stats: ModelStatistics[] }>('GET', path, 'statistics', model);
    return body.model_stats;
  }

  /** Triton's Prometheus endpoint (nv_inference_*, nv_gpu_*, nv_cache_*), parsed. */
  async metrics(): Promise<MetricSample[]> {
    if (!this.metricsUrl) {
      throw new TypeError('TritonClient: metrics() needs the metricsUrl option (Triton --metrics-port)');
    }
    const text = await this.raw('GET', this.metricsUrl, '/metrics', 'metrics');
    return parsePrometheusText(text);
  }

  private async probe(path: string, operation: string, model?: string): Promise<boolean> {
    try {
      const res = await request(`${this.url}${path}`, {
        method: 'GET',
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body.dump();
      return res.statusCode === 200;
    } catch (cause) {
      if (isNetworkError(cause)) return false;
      throw wrapNetworkError(cause, operation, model);
    }
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    operation: string,
    model?: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const text = await this.raw(method, this.url, path, operation, model, body, signal);
    return (text.length > 0 ? JSON.parse(text) : undefined) as T;
  }

  /**
   * One call through the dispatcher with origin and path apart (no URL parsed per call: the
   * gateway makes one of these per cache miss).
   */
  private async raw(
    method: 'GET' | 'POST',
    origin: string,
    path: string,
    operation: string,
    model?: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<string> {
    let res: Awaited<ReturnType<Agent['request']>>;
    try {
      res = await this.dispatcher.request({
        origin,
        path,
        method,
        headers: body === undefined ? {} : JSON_HEADERS,
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal ?? AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw wrapNetworkError(cause, operation, model);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (cause) {
      throw wrapNetworkError(cause, operation, model);
    }
    if (res.statusCode >= 400) {
      throw new TritonError({
        message: tritonErrorMessage(text),
        status: res.statusCode,
        operation,
        ...(model ? { model } : {}),
        kind: 'http',
      });
    }
    return text;
  }
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function modelPath(model: string, version?: string): string {
  const base = `/v2/models/${encodeURIComponent(model)}`;
  return version ? `${base}/versions/${encodeURIComponent(version)}` : base;
}

/** Triton answers errors as {"error": "..."}; anything else is passed through verbatim. */
function tritonErrorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 500) || 'empty response';
}

function isNetworkError(cause: unknown): boolean {
  const code = (cause as { code?: string } | undefined)?.code ?? '';
  return /^(ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED|EHOSTUNREACH)$/.test(code);
}

function wrapNetworkError(cause: unknown, operation: string, model?: string): TritonError {
  const err = cause as { name?: string; code?: string; message?: string };
  const timedOut = err?.name === 'TimeoutError' || err?.name === 'AbortError' || err?.code === 'UND_ERR_ABORTED';
  return new TritonError({
    message: timedOut ? 'no answer before the deadline' : `${err?.code ?? ''} ${err?.message ?? String(cause)}`.trim(),
    status: 0,
    operation,
    ...(model ? { model } : {}),
    kind: timedOut ? 'timeout' : 'network',
    cause,
  });
}
