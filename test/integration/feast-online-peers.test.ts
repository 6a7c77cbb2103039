/**
 * The gateway's direct reader of Feast's Redis layout against Feast itself: Feast 0.67
 * materializes 3,000 users (serving/feature_repo) into a real Redis, then every user's
 * features read by FeastRedisFeatureSource (entity key v3, murmur3 field names, protobuf
 * Values, no Python) must equal what Feast's own get_online_features returns, value for
 * value, and users Feast does not know must read as missing in both.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeastEnv, onlineFeatures, prepareFeatureStore } from '../../src/adapters/feast/feast-tool.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { type RedisInstance, startRedis, stopRedis } from '../../src/adapters/process/redis-server.ts';
import { decodeTimestamp, feastEntityFields, redisKey, timestampField } from '../../src/core/features/feast-layout.ts';
import {
  DEFAULT_FEAST_VIEWS,
  FEAST_INT64_FEATURES,
  feastLayout,
} from '../../src/core/spec/kinds/stack-feature-store.ts';
import { FeastRedisFeatureSource } from '../../src/gateway/features/feast-redis-feature-source.ts';

const USERS = 3000;
const UNKNOWN = 50;
const NAMES = DEFAULT_FEAST_VIEWS.flatMap((v) => v.features);
let redis: RedisInstance;
let dir: string;
let env: FeastEnv;
let ids: string[];
let peer: Map<string, Record<string, number | string | null>>;
let prepared: { end: string; materialize_s: number };

beforeAll(async () => {
  redis = await startRedis(await freePort());
  dir = mkdtempSync(join(tmpdir(), 'feast-peers-'));
  env = { dataDir: dir, redis: redis.url };
  prepared = await prepareFeatureStore(env, { users: USERS });
  ids = [
    ...Array.from({ length: USERS }, (_, i) => `user-${i}`),
    ...Array.from({ length: UNKNOWN }, (_, i) => `nobody-${i}`),
  ];
  writeFileSync(join(dir, 'ids.txt'), `${ids.join('\n')}\n`);
  peer = new Map((await onlineFeatures(env, join(dir, 'ids.txt'))).map((r) => [r.user_id, r.features]));
}, 240_000);

afterAll(async () => {
  if (redis) await stopRedis(redis);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('FeastRedisFeatureSource against Feast get_online_features', () => {
  it('reads every materialized user exactly as Feast does, and unknown users as missing', async () => {
    const layout = feastLayout({ redisUrl: redis.url, keyPrefix: '', timeout: '10ms' });
    const source = new FeastRedisFeatureSource(redis.url, layout);
    await source.ready();
    try {
      expect(peer.size).toBe(ids.length);
      let compared = 0;
      for (const id of ids) {
        const ours = await source.fetch(id, NAMES);
        const theirs = NAMES.map((n) => {
          const v = peer.get(id)?.[n];
          return v === null || v === undefined ? null : String(v);
        });
        expect({ id, values: ours }).toEqual({ id, values: theirs });
        compared += ours.filter((v) => v !== null).length;
      }
      // Every known user has all six features; no unknown user has any.
      expect(compared).toBe(USERS * NAMES.length);
    } finally {
      await source.close();
    }
  });

  it("reads each view's event time from its _ts field: the newest snapshot of the offline store", async () => {
    const client = new Redis(redis.url);
    try {
      const layout = feastLayout({ redisUrl: redis.url, keyPrefix: '', timeout: '10ms' });
      const raw = await client.hgetBuffer(
        Buffer.from(redisKey(layout, 'user-7')),
        Buffer.from(timestampField('user_velocity')),
      );
      expect(raw).not.toBeNull();
      expect(decodeTimestamp(raw as Buffer)).toBe(Date.parse(prepared.end) / 1000);
    } finally {
      client.disconnect();
    }
  });

  it('writes a seeded entity (the chaos load) byte for byte as Feast materialized it', async () => {
    const client = new Redis(redis.url);
    try {
      const layout = feastLayout({ redisUrl: redis.url, keyPrefix: '', timeout: '10ms' });
      for (const id of ['user-0', 'user-1234', 'user-2999']) {
        const key = Buffer.from(redisKey(layout, id));
        // HGETALL as raw buffers: the murmur3 field names are not UTF-8.
        const stored = (await client.callBuffer('HGETALL', key)) as Buffer[];
        const values = Object.fromEntries(
          Object.entries(peer.get(id) ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number'),
        );
        const fields = feastEntityFields(layout, values, Date.parse(prepared.end) / 1000, FEAST_INT64_FEATURES);
        const ours = Object.fromEntries(
          fields.map(([k, v]) => [Buffer.from(k).toString('hex'), Buffer.from(v).toString('hex')]),
        );
        const theirs: Record<string, string> = {};
        for (let i = 0; i + 1 < stored.length; i += 2)
          theirs[(stored[i] as Buffer).toString('hex')] = (stored[i + 1] as Buffer).toString('hex');
        expect(ours).toEqual(theirs);
      }
    } finally {
      client.disconnect();
    }
  });

  it('matches the views of serving/feature_repo/repo/definitions.py (names, features, TTLs)', async () => {
    const { runFeastTool } = await import('../../src/adapters/feast/feast-tool.ts');
    const out = await runFeastTool(['views'], env);
    const views = JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as {
      name: string;
      features: string[];
      ttl_s: number;
    }[];
    const ours = feastLayout({ redisUrl: redis.url, keyPrefix: '', timeout: '10ms' }).views;
    expect(views.map((v) => ({ name: v.name, features: v.features, ttlSeconds: v.ttl_s }))).toEqual(
      ours.map((v) => ({ name: v.name, features: [...v.features], ttlSeconds: v.ttlSeconds })),
    );
  });
});
