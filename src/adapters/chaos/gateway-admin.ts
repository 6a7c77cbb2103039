/**
 * The gateway's admin API (ARCHITECTURE.md contract): routing weights and fault injection
 * at its Triton client. Every non-2xx answer becomes an error carrying the gateway's message.
 */
export interface GatewayFault {
  model: string;
  variant: string;
  kind: 'error' | 'latency' | 'reset';
  probability: number;
  latencyMs?: number;
  seed?: number;
}

export class GatewayAdmin {
  readonly url: string;
  private readonly token: string;

  constructor(url: string, token: string) {
    this.url = url.replace(/\/+$/, '');
    this.token = token;
  }

  async weights(model: string): Promise<Record<string, number>> {
    return (
      (await this.call('GET', `/admin/models/${encodeURIComponent(model)}/weights`)) as {
        weights: Record<string, number>;
      }
    ).weights;
  }

  async setWeights(model: string, weights: Record<string, number>): Promise<Record<string, number>> {
    return (
      (await this.call('PUT', `/admin/models/${encodeURIComponent(model)}/weights`, { weights })) as {
        weights: Record<string, number>;
      }
    ).weights;
  }

  async faults(): Promise<GatewayFault[]> {
    return ((await this.call('GET', '/admin/faults')) as { faults: GatewayFault[] }).faults;
  }

  async setFaults(faults: GatewayFault[]): Promise<GatewayFault[]> {
    return ((await this.call('PUT', '/admin/faults', { faults })) as { faults: GatewayFault[] }).faults;
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/admin/faults');
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5_000),
      });
    } catch (error) {
      throw new Error(`gateway admin API ${method} ${this.url}${path}: ${(error as Error).message}`);
    }
    const text = await res.text();
    if (res.status === 401) {
      throw new Error(
        `gateway admin API refused the token (401); set the admin token (the Stack's gateway.adminTokenEnv) to the gateway's`,
      );
    }
    if (!res.ok) throw new Error(`gateway admin API ${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }
}
