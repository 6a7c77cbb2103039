import type { PromQueryData } from '../../core/chaos/promql-result.ts';
import { PrometheusClient } from '../prometheus/client.ts';

/**
 * The one thing chaos probes ask Prometheus: an instant query. A one-method port so the
 * runner does not depend on a particular client (the shared Prometheus adapter stands
 * behind it).
 */
export interface PromQuery {
  instant(query: string): Promise<PromQueryData>;
}

/** The shared client's raw `data`: the probe reader judges scalars, vectors and emptiness itself. */
export class HttpPromQuery implements PromQuery {
  private readonly client: PrometheusClient;

  constructor(url: string) {
    // A probe is read at the moment of a check; a slow Prometheus must not stall the run.
    this.client = new PrometheusClient({ url, timeoutMs: 5_000 });
  }

  instant(query: string): Promise<PromQueryData> {
    return this.client.instantData(query);
  }
}
