import type { Redis } from 'ioredis';
import { failFastRedis } from './fail-fast-redis.ts';
import type { FeatureSource } from './feature-store.ts';

/**
 * Online features in Redis: one hash per user (`<keyPrefix><user_id>`, field = feature name).
 * The client fails fast (no offline queue, one connect attempt per second); the store's
 * guard bounds every call.
 */
export class RedisFeatureSource implements FeatureSource {
  private readonly redis: Redis;
  private readonly keyPrefix: string;

  constructor(url: string, keyPrefix: string) {
    this.keyPrefix = keyPrefix;
    this.redis = failFastRedis(url);
  }

  fetch(userId: string, names: readonly string[]): Promise<(string | null)[]> {
    return this.redis.hmget(`${this.keyPrefix}${userId}`, ...names);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
