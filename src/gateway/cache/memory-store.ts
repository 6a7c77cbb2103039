import { LRUCache } from 'lru-cache';
import type { CachedPrediction, PredictionStore } from './store.ts';

export class MemoryPredictionStore implements PredictionStore {
  readonly kind = 'memory' as const;
  private readonly lru: LRUCache<string, CachedPrediction>;
  private readonly now: () => number;

  constructor(maxEntries: number, now: () => number = Date.now) {
    this.now = now;
    this.lru = new LRUCache({ max: maxEntries });
  }

  async get(key: string): Promise<CachedPrediction | undefined> {
    const value = this.lru.get(key);
    if (value && value.staleUntilMs <= this.now()) {
      this.lru.delete(key);
      return undefined;
    }
    return value;
  }

  async set(key: string, value: CachedPrediction): Promise<void> {
    this.lru.set(key, value);
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
