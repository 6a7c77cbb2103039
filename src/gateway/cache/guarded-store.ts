import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, TimeoutStrategy, timeout, wrap } from 'cockatiel';
import type { CachedPrediction, PredictionStore } from './store.ts';

export type CacheReadResult =
  | { outcome: 'hit' | 'stale'; value: CachedPrediction }
  | { outcome: 'miss' }
  | { outcome: 'error'; error: unknown };

/**
 * The cache is an optimisation, never a dependency: every read is bounded by a timeout and
 * a breaker (5 consecutive failures open it for 2 s), and every failure reads as a miss.
 * A slow or dead Redis therefore costs a request at most `timeoutMs`, then nothing while
 * the breaker is open.
 */
export class GuardedPredictionStore {
  readonly store: PredictionStore;
  private readonly policy;
  private readonly breaker;
  private readonly now: () => number;

  constructor(store: PredictionStore, timeoutMs: number, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
    this.breaker = circuitBreaker(handleAll, { halfOpenAfter: 2_000, breaker: new ConsecutiveBreaker(5) });
    this.policy = wrap(timeout(timeoutMs, TimeoutStrategy.Aggressive), this.breaker);
  }

  get breakerOpen(): boolean {
    return this.breaker.state === CircuitState.Open;
  }

  async read(key: string): Promise<CacheReadResult> {
    try {
      // An in-process LRU can be neither slow nor down: skip the guard's timers on the hot path.
      const value =
        this.store.kind === 'redis' ? await this.policy.execute(() => this.store.get(key)) : await this.store.get(key);
      if (!value) return { outcome: 'miss' };
      return { outcome: value.expiresAtMs > this.now() ? 'hit' : 'stale', value };
    } catch (error) {
      return { outcome: 'error', error };
    }
  }

  /** Fire-and-forget write; failures only feed the breaker. */
  write(key: string, value: CachedPrediction): void {
    if (this.store.kind !== 'redis') {
      this.store.set(key, value).catch(() => undefined);
      return;
    }
    this.policy.execute(() => this.store.set(key, value)).catch(() => undefined);
  }
}
