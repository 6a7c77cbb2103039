import type { PromQueryData } from '../../core/chaos/promql-result.ts';

/**
 * The one thing chaos probes ask Prometheus: an instant query. A one-method port so the
 * runner does not depend on a particular client (the shared Prometheus adapter can stand
 * behind it).
 */
export interface PromQuery {
  instant(query: string): Promise<PromQueryData>;
}

export class HttpPromQuery implements PromQuery {
  private readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  async instant(query: string): Promise<PromQueryData> {
    const res = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query })}`, {
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json().catch(() => ({}))) as { status?: string; data?: PromQueryData; error?: string };
    if (!res.ok || body.status !== 'success' || !body.data) {
      throw new Error(`Prometheus ${this.url} query failed (HTTP ${res.status}): ${body.error ?? 'no data field'}`);
    }
    return body.data;
  }
}
