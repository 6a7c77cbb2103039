import type { TritonClient } from '../../adapters/triton/client.ts';
import type { TritonReplicas } from './triton-replicas.ts';
import { type ConcurrencyNow, type Upstream, UpstreamError } from './upstream.ts';

/**
 * One (logical model, variant) served by several Triton replicas: calls go round-robin over
 * the replicas discovery currently reports, each through its own single-server upstream
 * (its own breaker, so a dead replica's breaker opens without closing the path to the
 * others). A call that fails because its replica is gone (refused, reset, 5xx, breaker open)
 * is tried on the next replica while the deadline allows: the playbook's "traffic shifts to
 * healthy servers" without waiting for discovery to catch up. Timeouts are not retried
 * elsewhere (the deadline is spent), nor are 4xx (the request is at fault).
 */
const FAILOVER_REASONS: ReadonlySet<UpstreamError['reason']> = new Set([
  'unavailable',
  'network',
  'http_5xx',
  'circuit_open',
]);

export class ReplicatedUpstream implements Upstream {
  readonly model: string;
  readonly variant: string;
  readonly tritonModel: string;
  private readonly replicas: TritonReplicas;
  private readonly perReplica: (client: TritonClient) => Upstream;
  private readonly upstreams = new Map<string, Upstream>();
  private next = 0;
  /** Calls answered per replica id (for tests and the bridge's report). */
  readonly answered = new Map<string, number>();

  constructor(opts: {
    model: string;
    variant: string;
    tritonModel: string;
    replicas: TritonReplicas;
    perReplica: (client: TritonClient) => Upstream;
  }) {
    this.model = opts.model;
    this.variant = opts.variant;
    this.tritonModel = opts.tritonModel;
    this.replicas = opts.replicas;
    this.perReplica = opts.perReplica;
    this.replicas.onChange((ids) => {
      for (const id of this.upstreams.keys()) if (!ids.includes(id)) this.upstreams.delete(id);
    });
  }

  async infer(rows: number[][], timeoutMs: number): Promise<number[]> {
    const deadline = performance.now() + timeoutMs;
    const ids = this.replicas.ids();
    if (ids.length === 0) {
      throw new UpstreamError('unavailable', `no Triton replica is serving ${this.tritonModel}`);
    }
    const start = this.next++ % ids.length;
    let last: UpstreamError | undefined;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[(start + i) % ids.length] as string;
      const upstream = this.upstreamFor(id);
      const left = deadline - performance.now();
      if (!upstream || left <= 1) continue;
      try {
        const scores = await upstream.infer(rows, left);
        this.answered.set(id, (this.answered.get(id) ?? 0) + 1);
        return scores;
      } catch (error) {
        last = error instanceof UpstreamError ? error : new UpstreamError('network', String(error), error);
        if (!FAILOVER_REASONS.has(last.reason)) throw last;
      }
    }
    throw last ?? new UpstreamError('timeout', `${this.tritonModel}: no replica answered before the deadline`);
  }

  /** Summed over the replicas: each Triton server has its own limit. */
  concurrency(): ConcurrencyNow | undefined {
    let sum: ConcurrencyNow | undefined;
    for (const upstream of this.upstreams.values()) {
      const c = upstream.concurrency?.();
      if (c) sum = { limit: (sum?.limit ?? 0) + c.limit, inflight: (sum?.inflight ?? 0) + c.inflight };
    }
    return sum;
  }

  private upstreamFor(id: string): Upstream | undefined {
    let upstream = this.upstreams.get(id);
    if (!upstream) {
      const client = this.replicas.client(id);
      if (!client) return undefined;
      upstream = this.perReplica(client);
      this.upstreams.set(id, upstream);
    }
    return upstream;
  }
}
