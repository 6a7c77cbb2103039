/**
 * `npm run bench -- feature-store --json`
 * The online feature lookup as the gateway does it (OnlineFeatureStore.complete: guard,
 * lookup, merge with defaults) for the six entity features, two backends side by side on
 * the same Feast data: Feast's Redis layout read directly (one HMGET) and Feast's own
 * feature server (`feast serve`, one HTTP call). Also the seconds Feast takes to build,
 * apply and materialize the users. Lookups are sequential (latency, not throughput), users
 * drawn at random, rounds alternating between the backends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareFeatureStore } from '../src/adapters/feast/feast-tool.ts';
import { startFeastServer } from '../src/adapters/process/feast-server.ts';
import { paths } from '../src/adapters/process/paths.ts';
import { freePort } from '../src/adapters/process/ports.ts';
import { startRedis, stopRedis } from '../src/adapters/process/redis-server.ts';
import { ENTITY_FEATURES } from '../src/core/chaos/traffic.ts';
import { quantileSorted } from '../src/core/drift/build-profile.ts';
import { mulberry32 } from '../src/core/random/mulberry32.ts';
import { feastLayout } from '../src/core/spec/kinds/stack-feature-store.ts';
import { FeastRedisFeatureSource } from '../src/gateway/features/feast-redis-feature-source.ts';
import { FeastServeFeatureSource } from '../src/gateway/features/feast-serve-feature-source.ts';
import { type FeatureSource, OnlineFeatureStore } from '../src/gateway/features/feature-store.ts';
import { loadFeatureSchema } from '../src/gateway/start.ts';
import { round, SAMPLE_FEATURES } from './_support.ts';

const USERS = 5000;
const ROUNDS = 3;
const LOOKUPS = 1000;
const OPEN_RATE = 500;
const OPEN_SECONDS = 5;
/** What the request itself knows; the six entity features come from the store. */
const TRANSACTION = Object.fromEntries(
  Object.entries(SAMPLE_FEATURES).filter(([name]) => !(ENTITY_FEATURES as readonly string[]).includes(name)),
);

export default async function bench(): Promise<Record<string, unknown>> {
  const redis = await startRedis(await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'bench-feast-'));
  const env = { dataDir: dir, redis: redis.url };
  const schema = loadFeatureSchema(paths.featureSchema());
  try {
    const prepared = await prepareFeatureStore(env, { users: USERS });
    const server = await startFeastServer(env, await freePort());
    const direct = new FeastRedisFeatureSource(
      redis.url,
      feastLayout({ redisUrl: redis.url, keyPrefix: '', timeout: '1s' }),
    );
    await direct.ready();
    const serve = new FeastServeFeatureSource(server.url, 'fraud_v1', 'user_id');
    const rand = mulberry32(20261204);
    const samples: Record<string, number[]> = { direct: [], serve: [] };
    const defaulted: Record<string, number> = { direct: 0, serve: 0 };
    const run = async (name: 'direct' | 'serve', source: FeatureSource) => {
      const store = new OnlineFeatureStore(source, 1_000);
      for (let i = 0; i < LOOKUPS; i++) {
        const user = `user-${Math.floor(rand() * USERS)}`;
        const t0 = process.hrtime.bigint();
        const out = await store.complete(schema, user, TRANSACTION);
        samples[name]?.push(Number(process.hrtime.bigint() - t0) / 1e6);
        defaulted[name] = (defaulted[name] ?? 0) + out.defaulted.length;
      }
    };
    await run('direct', direct); // warm-up rounds, discarded
    await run('serve', serve);
    samples.direct = [];
    samples.serve = [];
    for (let r = 0; r < ROUNDS; r++) {
      await run('direct', direct);
      await run('serve', serve);
    }
    // The gateway's added time per request at 500 req/s: lookups started on an open-model
    // clock (they do not wait for each other), 5 s per backend.
    const openLoop = async (source: FeatureSource) => {
      const store = new OnlineFeatureStore(source, 1_000);
      const times: number[] = [];
      const pending: Promise<void>[] = [];
      const start = performance.now();
      for (let i = 0; i < OPEN_RATE * OPEN_SECONDS; i++) {
        const due = start + (i * 1000) / OPEN_RATE;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const user = `user-${Math.floor(rand() * USERS)}`;
        const t0 = performance.now();
        pending.push(store.complete(schema, user, TRANSACTION).then(() => void times.push(performance.now() - t0)));
      }
      await Promise.all(pending);
      return times;
    };
    const openDirect = await openLoop(direct);
    const openServe = await openLoop(serve);
    await direct.close();
    await serve.close();
    await server.process.stop();
    const stats = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return {
        p50_ms: round(quantileSorted(s, 0.5)),
        p99_ms: round(quantileSorted(s, 0.99)),
        over_10ms: round(s.filter((x) => x > 10).length / s.length),
      };
    };
    return {
      users: USERS,
      lookups_per_backend: ROUNDS * LOOKUPS,
      feast_redis_direct: stats(samples.direct ?? []),
      feast_serve: stats(samples.serve ?? []),
      at_500_rps: { feast_redis_direct: stats(openDirect), feast_serve: stats(openServe) },
      defaulted_features: defaulted,
      offline_build_s: prepared.build_s,
      feast_apply_s: prepared.apply_s,
      materialize_s: prepared.materialize_s,
    };
  } finally {
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  }
}
