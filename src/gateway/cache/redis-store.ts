import { Redis } from 'ioredis';
import type { CachedPrediction, PredictionStore } from './store.ts';

/**
 * Redis-backed cache shared by every gateway replica. Entries live until the end of their
 * stale window (Redis PX), so stale-if-error survives a gateway restart. The client fails
 * fast (no offline queue, one connect attempt per second) so a dead Redis costs a request
 * nothing beyond the guard's timeout.
 */
export class RedisPredictionStore implements PredictionStore {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private readonly now: () => number;

  constructor(url: string, now: () => number = Date.now) {
    this.now = now;
    this.client = new Redis(url, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 500,
      retryStrategy: () => 1000,
    });
    // Connection errors are expected during chaos (Redis killed); the guard counts them.
    this.client.on('error', () => undefined);
  }

  async get(key: string): Promise<CachedPrediction | undefined> {
    const raw = await this.client.get(key);
    return raw ? (JSON.parse(raw) as CachedPrediction) : undefined;
  }

  async set(key: string, value: CachedPrediction): Promise<void> {
    const ttl = Math.max(1, Math.ceil(value.staleUntilMs - this.now()));
    await this.client.set(key, JSON.stringify(value), 'PX', ttl);
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
