import { Redis } from 'ioredis';
import type { FeatureSchema, FeatureValue } from '../../core/spec/feature-schema.ts';

export interface CompletedFeatures {
  features: Record<string, FeatureValue>;
  /** Features that neither the request nor the store supplied: filled with defaults. */
  defaulted: string[];
  /** Features that came from the online store. */
  fromStore: string[];
}

/**
 * The playbook's feature store: entity features live in a Redis hash per user
 * (`features:<user_id>`, field = feature name). A lookup that misses or exceeds its
 * timeout falls back to the schema's default features; the answer says which ones.
 */
export class OnlineFeatureStore {
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;

  constructor(url: string, keyPrefix: string, timeoutMs: number) {
    this.keyPrefix = keyPrefix;
    this.timeoutMs = timeoutMs;
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 500,
      retryStrategy: () => 1000,
    });
    this.redis.on('error', () => undefined);
  }

  async complete(
    schema: FeatureSchema,
    userId: string,
    given: Record<string, FeatureValue>,
  ): Promise<CompletedFeatures> {
    const missing = schema.features.filter((f) => !(f.name in given));
    if (missing.length === 0) return { features: given, defaulted: [], fromStore: [] };
    let stored: (string | null)[] = [];
    try {
      stored = await withTimeout(
        this.redis.hmget(`${this.keyPrefix}${userId}`, ...missing.map((f) => f.name)),
        this.timeoutMs,
      );
    } catch {
      stored = [];
    }
    return fillFromStore(given, missing, stored);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** Pure: merges store values (strings from Redis) and defaults into the request's features. */
export function fillFromStore(
  given: Record<string, FeatureValue>,
  missing: FeatureSchema['features'],
  stored: (string | null)[],
): CompletedFeatures {
  const features = { ...given };
  const defaulted: string[] = [];
  const fromStore: string[] = [];
  missing.forEach((f, i) => {
    const raw = stored[i];
    if (raw !== null && raw !== undefined) {
      if (f.type === 'numeric' && Number.isFinite(Number(raw))) {
        features[f.name] = Number(raw);
        fromStore.push(f.name);
        return;
      }
      if (f.type === 'categorical' && f.categories.includes(raw)) {
        features[f.name] = raw;
        fromStore.push(f.name);
        return;
      }
    }
    features[f.name] = f.default;
    defaulted.push(f.name);
  });
  return { features, defaulted, fromStore };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`feature store: no answer in ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
