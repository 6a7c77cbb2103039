/**
 * Client of the gateway admin API's weight endpoints (contract fixed by the lead, issue 3):
 *   GET /admin/models/{model}/weights -> { model, weights: { v1: 80, v2: 20 } }
 *   PUT /admin/models/{model}/weights   { weights }  (400 unless they add to 100 over known variants)
 * with `Authorization: Bearer <token>`.
 */
import { fetchFailure } from './fetch-error.ts';

export class GatewayAdminError extends Error {
  override readonly name = 'GatewayAdminError';
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

export interface WeightsPort {
  getWeights(model: string, signal?: AbortSignal): Promise<Record<string, number>>;
  setWeights(model: string, weights: Record<string, number>, signal?: AbortSignal): Promise<Record<string, number>>;
}

export function gatewayAdminClient(options: { url: string; token: string; timeoutMs?: number }): WeightsPort {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new TypeError(`admin url "${options.url}" is not a URL; expected e.g. http://127.0.0.1:8080`);
  }
  if (!options.token) throw new TypeError('the admin API needs a bearer token (--token or STEADYSTATE_ADMIN_TOKEN)');

  async function call(method: 'GET' | 'PUT', model: string, body?: unknown, signal?: AbortSignal) {
    const url = new URL(`/admin/models/${encodeURIComponent(model)}/weights`, base);
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new GatewayAdminError(`${method} ${url.pathname} failed: gateway unreachable (${fetchFailure(error)})`);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new GatewayAdminError(
        `${method} ${url.pathname} answered HTTP ${response.status}: ${text.slice(0, 200)}`,
        response.status,
      );
    }
    const parsed = JSON.parse(text) as { weights?: unknown };
    const weights = parsed.weights;
    if (!weights || typeof weights !== 'object' || Object.values(weights).some((w) => typeof w !== 'number')) {
      throw new GatewayAdminError(`${method} ${url.pathname} returned no { weights } object: ${text.slice(0, 200)}`);
    }
    return weights as Record<string, number>;
  }

  return {
    getWeights: (model, signal) => call('GET', model, undefined, signal),
    setWeights: (model, weights, signal) => call('PUT', model, { weights }, signal),
  };
}
