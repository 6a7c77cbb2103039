/**
 * The batch job's ports. The store is shaped like the project's object store (keys relative
 * to the job's output location); the scorer is one Triton request for a batch of encoded rows.
 */
export interface BatchStore {
  put(key: string, body: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

/** Scores `rows` (one encoded input row each) in one request; rejects when `signal` aborts. */
export type Scorer = (rows: readonly (readonly number[])[], signal: AbortSignal) => Promise<number[]>;
