import { feastLayout, feastSettingsOf, type StackFeatureStore } from '../../core/spec/kinds/stack-feature-store.ts';
import { FeastRedisFeatureSource } from './feast-redis-feature-source.ts';
import { FeastServeFeatureSource } from './feast-serve-feature-source.ts';
import type { FeatureSource } from './feature-store.ts';
import { RedisFeatureSource } from './redis-feature-source.ts';

/** The online feature source the Stack spec names (`featureStore.backend`). */
export function featureSourceFromSpec(fs: StackFeatureStore): FeatureSource {
  switch (fs.backend) {
    case 'feast-redis':
      return new FeastRedisFeatureSource(fs.redisUrl, feastLayout(fs));
    case 'feast-serve': {
      const feast = feastSettingsOf(fs);
      if (!feast.serveUrl)
        throw new Error('spec.featureStore.feast.serveUrl is required when spec.featureStore.backend is "feast-serve"');
      return new FeastServeFeatureSource(feast.serveUrl, feast.featureService, feast.joinKey);
    }
    default:
      return new RedisFeatureSource(fs.redisUrl, fs.keyPrefix);
  }
}
