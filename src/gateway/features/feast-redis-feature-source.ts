import type { Redis } from 'ioredis';
import { type FeastLayout, lookupPlan, readLookup, redisKey } from '../../core/features/feast-layout.ts';
import { failFastRedis } from './fail-fast-redis.ts';
import type { FeatureSource } from './feature-store.ts';

/**
 * Online features in Feast's own Redis layout (what `feast materialize-incremental` writes),
 * read straight from Redis with one HMGET: no Python, no feature server hop. The layout is
 * in core/features/feast-layout.ts; the test against Feast's `get_online_features` is
 * test/unit/features/feast-online.peer.test.ts. Like Feast's Redis reader, a value older
 * than its view's TTL is still returned (freshness is watched and alerted on instead).
 */
export class FeastRedisFeatureSource implements FeatureSource {
  private readonly redis: Redis;
  private readonly layout: FeastLayout;

  constructor(url: string, layout: FeastLayout) {
    this.layout = layout;
    this.redis = failFastRedis(url);
  }

  /** Resolves once connected (a caller that must not see the fail-fast start-up errors waits). */
  async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => this.redis.once('ready', () => resolve()));
  }

  async fetch(userId: string, names: readonly string[]): Promise<(string | null)[]> {
    const plan = lookupPlan(this.layout, names);
    if (plan.fields.length === 0) return names.map(() => null);
    const reply = await this.redis.hmgetBuffer(
      Buffer.from(redisKey(this.layout, userId)),
      ...plan.fields.map((f) => Buffer.from(f)),
    );
    return readLookup(plan, reply).values.map((v) => (v === null ? null : String(v)));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
