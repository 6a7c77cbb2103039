import { Redis } from 'ioredis';

/**
 * A Redis client for the online feature store that fails fast: no offline queue, no
 * retries per request, one connect attempt per second. The store's guard bounds every call;
 * connection errors are expected during chaos (Redis killed or frozen) and the guard counts them.
 */
export function failFastRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    retryStrategy: () => 1000,
  });
  redis.on('error', () => undefined);
  return redis;
}
