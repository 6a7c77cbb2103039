import type { GroundTruth } from './ground-truth.ts';

/** The durable label store (port): append-only; the first label of an id stands. */
export interface LabelStore {
  load(): Promise<ReadonlyMap<string, GroundTruth>>;
  append(labels: readonly GroundTruth[]): Promise<void>;
}

/** In-memory store for tests and dry runs. */
export class MemoryLabelStore implements LabelStore {
  private readonly labels = new Map<string, GroundTruth>();
  async load(): Promise<ReadonlyMap<string, GroundTruth>> {
    return new Map(this.labels);
  }
  async append(labels: readonly GroundTruth[]): Promise<void> {
    for (const l of labels) if (!this.labels.has(l.request_id)) this.labels.set(l.request_id, l);
  }
}
