/** One cached prediction: the scores of the rows, and what XFetch needs. */
export interface CachedPrediction {
  scores: number[];
  storedAtMs: number;
  /** Fresh until here; stale (usable only when the primary fails) until `staleUntilMs`. */
  expiresAtMs: number;
  staleUntilMs: number;
  /** How long the upstream call took (XFetch's delta). */
  computeMs: number;
}

/** A prediction cache backend (in-memory LRU or Redis). Errors are the caller's to absorb. */
export interface PredictionStore {
  readonly kind: 'memory' | 'redis' | 'none';
  get(key: string): Promise<CachedPrediction | undefined>;
  set(key: string, value: CachedPrediction): Promise<void>;
  close(): Promise<void>;
}

/** The cache switched off: every read misses, writes vanish. */
export class NoPredictionStore implements PredictionStore {
  readonly kind = 'none' as const;
  async get(): Promise<undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
  async close(): Promise<void> {}
}
