import { z } from 'zod';
import type { FeastLayout } from '../../features/feast-layout.ts';
import { duration, parseDuration } from './common.ts';

/**
 * The views of serving/feature_repo/repo/definitions.py: which feature lives in which
 * Feast feature view (the Redis field names hash `view:feature`) and each view's TTL. The
 * peers test checks this list against Feast's registry.
 */
export const DEFAULT_FEAST_VIEWS = [
  { name: 'user_account', features: ['account_age_days', 'device_age_days', 'customer_age'], ttl: '30d' },
  { name: 'user_velocity', features: ['txn_count_24h', 'avg_amount_30d', 'failed_logins_24h'], ttl: '2d' },
];

/** Features the Feast definitions type Int64 (the rest are Float64). */
export const FEAST_INT64_FEATURES = ['txn_count_24h', 'failed_logins_24h'];

const feastSettings = z.strictObject({
  project: z.string().default('steadystate'),
  joinKey: z.string().default('user_id'),
  featureService: z.string().default('fraud_v1'),
  /** `feast serve` base URL, for backend `feast-serve`. */
  serveUrl: z.string().optional(),
  views: z
    .array(z.strictObject({ name: z.string(), features: z.array(z.string()).min(1), ttl: duration }))
    .default(DEFAULT_FEAST_VIEWS),
});

export const stackFeatureStore = z.strictObject({
  /**
   * `redis-hash` (the default): one plain hash `<keyPrefix><user_id>` (field = feature name);
   * `feast-redis`: Feast's online layout in the same Redis, read directly;
   * `feast-serve`: Feast's feature server at `feast.serveUrl`.
   */
  backend: z.enum(['redis-hash', 'feast-redis', 'feast-serve']).optional(),
  /** Online features per entity: the feature-store Redis. */
  redisUrl: z.string(),
  keyPrefix: z.string().default('features:'),
  timeout: duration.default('10ms'),
  feast: feastSettings.optional(),
});

export type StackFeatureStore = z.infer<typeof stackFeatureStore>;
export type FeastSettings = z.infer<typeof feastSettings>;

/** Feast's settings with every default applied (the spec may leave `feast` out). */
export function feastSettingsOf(fs: StackFeatureStore): FeastSettings {
  return fs.feast ?? feastSettings.parse({});
}

/** The Feast layout the gateway reads, from the spec. */
export function feastLayout(fs: StackFeatureStore): FeastLayout {
  const feast = feastSettingsOf(fs);
  return {
    project: feast.project,
    joinKey: feast.joinKey,
    views: feast.views.map((v) => ({ name: v.name, features: v.features, ttlSeconds: parseDuration(v.ttl) })),
  };
}
