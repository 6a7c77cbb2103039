import { TritonClient } from '../../adapters/triton/client.ts';

/**
 * The Triton servers one gateway may call, by replica id (a pod name), as discovery reports
 * them: in a cluster a watch on the Triton pods (services/cluster/triton-endpoints.ts), since
 * EndpointSlices refuse the loopback addresses local replicas listen on. Each replica has
 * its own client (own connection pool), created when it appears and closed when it leaves.
 */
export interface TritonReplica {
  id: string;
  url: string;
}

type Listener = (ids: readonly string[]) => void;

export class TritonReplicas {
  private readonly clients = new Map<string, TritonClient>();
  private readonly listeners = new Set<Listener>();
  private readonly connections: number;

  constructor(options: { connections?: number } = {}) {
    this.connections = options.connections ?? 64;
  }

  /** Replaces the set: new ids get a client, vanished ones are closed (in-flight calls then fail and are retried elsewhere). */
  set(replicas: readonly TritonReplica[]): void {
    const wanted = new Map(replicas.map((r) => [r.id, r.url]));
    let changed = false;
    for (const [id, client] of this.clients) {
      if (wanted.get(id) !== client.url) {
        this.clients.delete(id);
        void client.close().catch(() => undefined);
        changed = true;
      }
    }
    for (const [id, url] of wanted) {
      if (!this.clients.has(id)) {
        this.clients.set(id, new TritonClient({ url, timeoutMs: 5_000, connections: this.connections }));
        changed = true;
      }
    }
    if (changed) for (const listener of this.listeners) listener(this.ids());
  }

  ids(): string[] {
    return [...this.clients.keys()].sort();
  }

  client(id: string): TritonClient | undefined {
    return this.clients.get(id);
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}
