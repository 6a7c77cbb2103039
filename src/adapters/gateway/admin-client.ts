/**
 * The gateway's admin API (served by src/gateway/server.ts), with `Authorization: Bearer <token>`:
 *   GET|PUT    /admin/models/{model}/weights -> { model, weights: { v1: 80, v2: 20 } }
 *              (a PUT is refused with 400 unless the weights add to 100 over known variants)
 *   GET|PUT|DELETE /admin/faults             -> { faults: [...] }
 *   GET|PUT    /admin/models/{model}/routes  -> { variants: { v2: "fraud_v2" }, thresholds, shadow }
 *              (the deploy service points its canary variant at a new Triton model, starts shadowing)
 * The A/B controller moves weights through it; chaos experiments move weights and inject
 * faults at the gateway's Triton client. Every failure is a GatewayAdminError that names the
 * call and, where there is one, the fix.
 */
// The admin API takes and returns the gateway's own fault specs: one type, so the two cannot drift.
import type { FaultSpec } from '../../gateway/upstream/faults.ts';

export class GatewayAdminError extends Error {
  override readonly name = 'GatewayAdminError';
  /** The gateway's HTTP status; undefined when it did not answer or answered off contract. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

export interface GatewayAdminClientOptions {
  /** The gateway, e.g. http://127.0.0.1:8080 (a path prefix is kept). */
  url: string;
  token: string;
  /** Per call; a controller or a probe must not stall on a hung gateway. Default 5 s. */
  timeoutMs?: number;
}

type Weights = Record<string, number>;

/** The gateway's routes of one model (src/gateway/inference-gateway.ts ModelRoutes). */
export interface Routes {
  variants: Record<string, string>;
  thresholds: Record<string, number>;
  shadow: string | null;
}

export class GatewayAdminClient {
  readonly url: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(options: GatewayAdminClientOptions) {
    const parsed = URL.parse(options.url);
    if (!parsed) {
      throw new TypeError(`gateway admin API: url "${options.url}" is not a URL; expected e.g. http://127.0.0.1:8080`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`gateway admin API: url "${options.url}" must be http(s)`);
    }
    if (!options.token) {
      throw new TypeError(
        'gateway admin API: no bearer token; pass the token the gateway was started with (its Stack gateway.adminTokenEnv)',
      );
    }
    this.url = parsed.href.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async getWeights(model: string, signal?: AbortSignal): Promise<Weights> {
    return weightsOf(await this.call('GET', weightsPath(model), undefined, signal));
  }

  async setWeights(model: string, weights: Weights, signal?: AbortSignal): Promise<Weights> {
    return weightsOf(await this.call('PUT', weightsPath(model), { weights }, signal));
  }

  async getRoutes(model: string, signal?: AbortSignal): Promise<Routes> {
    return routesOf(await this.call('GET', routesPath(model), undefined, signal));
  }

  async setRoutes(model: string, update: Partial<Routes>, signal?: AbortSignal): Promise<Routes> {
    return routesOf(await this.call('PUT', routesPath(model), update, signal));
  }

  async getFaults(signal?: AbortSignal): Promise<FaultSpec[]> {
    return faultsOf(await this.call('GET', '/admin/faults', undefined, signal));
  }

  async setFaults(faults: FaultSpec[], signal?: AbortSignal): Promise<FaultSpec[]> {
    return faultsOf(await this.call('PUT', '/admin/faults', { faults }, signal));
  }

  async clearFaults(signal?: AbortSignal): Promise<void> {
    faultsOf(await this.call('DELETE', '/admin/faults', undefined, signal));
  }

  private async call(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    const call = `gateway admin API ${method} ${this.url}${path}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          // Only with a body: Fastify refuses a JSON content type on an empty DELETE.
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      // The caller giving up (a controller stopping) is not a gateway failure.
      if (signal?.aborted) throw signal.reason;
      const err = error as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        throw new GatewayAdminError(`${call}: no answer within ${this.timeoutMs} ms`);
      }
      // undici puts the useful part (ECONNREFUSED, "bad port") in `cause`.
      const why = err.cause?.code ?? err.cause?.message ?? err.message;
      throw new GatewayAdminError(`${call}: cannot reach the gateway (${why}); is it running?`);
    }
    const text = await res.text();
    if (res.status === 401) {
      throw new GatewayAdminError(
        `${call}: the gateway refused the token (HTTP 401); pass the token the gateway was started with (its Stack gateway.adminTokenEnv)`,
        401,
      );
    }
    if (!res.ok) throw new GatewayAdminError(`${call} answered HTTP ${res.status}: ${text.slice(0, 300)}`, res.status);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { call, text, parsed };
  }
}

interface Answer {
  call: string;
  text: string;
  parsed: unknown;
}

function weightsPath(model: string): string {
  return `/admin/models/${encodeURIComponent(model)}/weights`;
}

function weightsOf(answer: Answer): Weights {
  const weights = (answer.parsed as { weights?: unknown } | undefined)?.weights;
  if (
    !weights ||
    typeof weights !== 'object' ||
    Array.isArray(weights) ||
    Object.values(weights).some((w) => typeof w !== 'number')
  ) {
    throw offContract(answer, '{ weights } object of numbers');
  }
  return weights as Weights;
}

function routesPath(model: string): string {
  return `/admin/models/${encodeURIComponent(model)}/routes`;
}

function routesOf(answer: Answer): Routes {
  const r = answer.parsed as Partial<Routes> | undefined;
  if (!r || typeof r.variants !== 'object' || r.variants === null || typeof r.thresholds !== 'object') {
    throw offContract(answer, '{ variants, thresholds, shadow } routes object');
  }
  return { variants: r.variants, thresholds: r.thresholds ?? {}, shadow: r.shadow ?? null };
}

function faultsOf(answer: Answer): FaultSpec[] {
  const faults = (answer.parsed as { faults?: unknown } | undefined)?.faults;
  if (!Array.isArray(faults)) throw offContract(answer, '{ faults } list');
  return faults as FaultSpec[];
}

function offContract(answer: Answer, expected: string): GatewayAdminError {
  return new GatewayAdminError(`${answer.call} answered without a ${expected}: ${answer.text.slice(0, 300)}`);
}
