/**
 * Feast's offline store, point in time, and the train/serve skew check built on it:
 * - a training row (get_historical_features) sees the newest offline value at or before
 *   its event time and never one written after it;
 * - `skewFromFeast` (what `steadystate drift skew --feast-data` runs) compares features the
 *   gateway's own completion path served from Feast's Redis with the point-in-time offline
 *   features: zero mismatches when serving computes avg_amount_30d like training (30 days),
 *   and the deliberate skew (serving computes it over 7 days) is caught on that feature only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FeastEnv,
  historicalFeatures,
  prepareFeatureStore,
  runFeastTool,
} from '../../src/adapters/feast/feast-tool.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { type RedisInstance, startRedis, stopRedis } from '../../src/adapters/process/redis-server.ts';
import { DEFAULT_SKEW_TOLERANCE } from '../../src/core/drift/skew.ts';
import { DEFAULT_FEAST_VIEWS, feastLayout } from '../../src/core/spec/kinds/stack-feature-store.ts';
import { FeastRedisFeatureSource } from '../../src/gateway/features/feast-redis-feature-source.ts';
import { OnlineFeatureStore } from '../../src/gateway/features/feature-store.ts';
import { loadFeatureSchema } from '../../src/gateway/start.ts';
import { skewFromFeast } from '../../src/services/drift/skew-feast.ts';

const USERS = 400;
/** What the request itself knows; the six entity features come from the store. */
const TRANSACTION = {
  amount: 20,
  hour: 12,
  distance_from_home_km: 5,
  card_present: 1,
  foreign_transaction: 0,
  merchant_category: 'grocery',
  channel: 'pos',
};
const STORE_FEATURES = DEFAULT_FEAST_VIEWS.flatMap((v) => v.features);
let redis: RedisInstance;
let dir: string;
let env: FeastEnv;
let end: number;

beforeAll(async () => {
  redis = await startRedis(await freePort());
  dir = mkdtempSync(join(tmpdir(), 'feast-pit-'));
  env = { dataDir: dir, redis: redis.url };
  end = Date.parse((await prepareFeatureStore(env, { users: USERS })).end);
}, 240_000);

afterAll(async () => {
  if (redis) await stopRedis(redis);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

describe('point-in-time training rows', () => {
  it('never use a value written after the event', async () => {
    const event = end - 36 * HOUR;
    // A late value: avg_amount_30d = 99999 for user-3, one hour after the event.
    await runFeastTool(
      [
        'write-offline',
        '--view',
        'user_velocity',
        '--row',
        JSON.stringify({
          user_id: 'user-3',
          event_timestamp: iso(event + HOUR),
          txn_count_24h: 1,
          avg_amount_30d: 99999,
          failed_logins_24h: 0,
        }),
      ],
      env,
    );
    const file = join(dir, 'pit.jsonl');
    const rows = [
      { user_id: 'user-3', ts: iso(end - 48 * HOUR) }, // the daily snapshot before the event
      { user_id: 'user-3', ts: iso(event) }, // the event
      { user_id: 'user-3', ts: iso(event + 2 * HOUR) }, // after the late value
      { user_id: 'user-3', ts: iso(end - 40 * 24 * HOUR) }, // before any value within the TTLs
    ];
    writeFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const [snapshot, atEvent, after, tooEarly] = (await historicalFeatures(env, file)).map((r) => r.features);
    expect(atEvent?.avg_amount_30d).toBe(snapshot?.avg_amount_30d);
    expect(atEvent?.avg_amount_30d).not.toBe(99999);
    expect(after?.avg_amount_30d).toBe(99999);
    expect(Object.values(tooEarly ?? {}).every((v) => v === null)).toBe(true);
  });
});

describe('train/serve skew against point-in-time offline features', () => {
  const schema = loadFeatureSchema(paths.featureSchema());
  const features = schema.features.map((f) =>
    f.type === 'categorical'
      ? { name: f.name, type: f.type, categories: f.categories }
      : { name: f.name, type: f.type },
  );

  /** Serves users 10..209 through the gateway's completion path and logs what it served. */
  async function serveAndLog(name: string): Promise<string> {
    const source = new FeastRedisFeatureSource(
      redis.url,
      feastLayout({ redisUrl: redis.url, keyPrefix: '', timeout: '10ms' }),
    );
    await source.ready();
    const store = new OnlineFeatureStore(source, 1_000);
    const lines: string[] = [];
    try {
      for (let i = 10; i < 210; i++) {
        const completed = await store.complete(schema, `user-${i}`, TRANSACTION);
        expect(completed.defaulted).toEqual([]);
        lines.push(
          JSON.stringify({
            ts: new Date().toISOString(),
            request_id: `r-${i}`,
            user_id: `user-${i}`,
            features: completed.features,
          }),
        );
      }
    } finally {
      await store.close();
    }
    const log = join(dir, `${name}.jsonl`);
    writeFileSync(log, `${lines.join('\n')}\n`);
    return log;
  }

  const check = (log: string) =>
    skewFromFeast({
      log,
      feast: env,
      features,
      storeFeatures: STORE_FEATURES,
      logEntityField: 'user_id',
      tolerance: DEFAULT_SKEW_TOLERANCE,
    });

  it('finds no skew when serving computes the features as training does', async () => {
    const result = await check(await serveAndLog('consistent'));
    expect(result.report.pairs).toBe(200);
    expect(result.report.features.map((f) => f.feature).sort()).toEqual([...STORE_FEATURES].sort());
    for (const f of result.report.features)
      expect({ feature: f.feature, mismatches: f.mismatches }).toEqual({ feature: f.feature, mismatches: 0 });
  });

  it('catches a 30-day average served as a 7-day one, on that feature only', async () => {
    await runFeastTool(['write-online', '--window-days', '7'], env);
    const result = await check(await serveAndLog('skewed'));
    const byName = new Map(result.report.features.map((f) => [f.feature, f]));
    const avg = byName.get('avg_amount_30d');
    console.log(
      `deliberate skew: avg_amount_30d mismatch rate ${avg?.mismatchRate}, mean |diff| ${avg?.meanAbsoluteDifference} over ${avg?.compared} predictions`,
    );
    expect(avg?.mismatchRate).toBeGreaterThan(0.9);
    expect(avg?.meanAbsoluteDifference).toBeGreaterThan(1);
    for (const f of result.report.features)
      if (f.feature !== 'avg_amount_30d')
        expect({ feature: f.feature, mismatches: f.mismatches }).toEqual({ feature: f.feature, mismatches: 0 });
  });
});
