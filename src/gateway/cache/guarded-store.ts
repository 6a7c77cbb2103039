import { DependencyGuard } from '../guard/dependency-guard.ts';
import type { GatewayLog } from '../log.ts';
import type { CachedPrediction, PredictionStore } from './store.ts';

export type CacheReadResult =
  | { outcome: 'hit' | 'stale'; value: CachedPrediction }
  | { outcome: 'miss' }
  | { outcome: 'error'; error: unknown };

/**
 * The cache is an optimisation, never a dependency: every Redis read and write goes through
 * a DependencyGuard (timeout + breaker), and every failure reads as a miss.
 */
export class GuardedPredictionStore {
  readonly store: PredictionStore;
  private readonly guard: DependencyGuard;
  private readonly now: () => number;

  constructor(store: PredictionStore, timeoutMs: number, now: () => number = Date.now, log?: GatewayLog) {
    this.store = store;
    this.now = now;
    this.guard = new DependencyGuard({ name: 'prediction cache', timeoutMs, ...(log ? { log } : {}) });
  }

  get breakerOpen(): boolean {
    return this.guard.open;
  }

  async read(key: string): Promise<CacheReadResult> {
    try {
      // An in-process LRU can be neither slow nor down: skip the guard's timers on the hot path.
      const value =
        this.store.kind === 'redis' ? await this.guard.execute(() => this.store.get(key)) : await this.store.get(key);
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
    this.guard.execute(() => this.store.set(key, value)).catch(() => undefined);
  }
}
