/**
 * Feast's offline store in the local S3 storage (versitygw): the Parquet tables live in a
 * bucket, and materialization, point-in-time joins and the training set read them from there
 * (the build's local staging copies are deleted first, and with the storage stopped the
 * training set cannot be built).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTrainingSet,
  type FeastEnv,
  onlineFeatures,
  prepareFeatureStore,
  runFeastTool,
  trainFromTrainingSet,
} from '../../src/adapters/feast/feast-tool.ts';
import { type ObjectStoreServer, startObjectStore } from '../../src/adapters/process/object-store-server.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { type RedisInstance, startRedis, stopRedis } from '../../src/adapters/process/redis-server.ts';
import { readCsvRows, readLabelledEvents } from './fixtures/labelled-events.ts';

const USERS = 200;
const TABLES = ['labelled_transactions', 'transactions', 'user_account', 'user_velocity'];
let s3: ObjectStoreServer | undefined;
let redis: RedisInstance;
let dir: string;
let env: FeastEnv;

beforeAll(async () => {
  [s3, redis] = await Promise.all([startObjectStore(), freePort().then(startRedis)]);
  dir = mkdtempSync(join(tmpdir(), 'feast-s3-'));
  env = {
    dataDir: dir,
    redis: redis.url,
    offlineS3: { uri: 's3://feast-offline/steadystate', endpoint: s3.endpoint, credentials: s3.clientEnv },
  };
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  if (redis) await stopRedis(redis);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const shift = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
describe('offline store in S3', () => {
  it('prepare uploads the tables; materialization reads them from the bucket', async () => {
    const prepared = await prepareFeatureStore(env, { users: USERS });
    expect(prepared.offline).toBe('feast-offline/steadystate');
    // versitygw's posix backend: a bucket is a folder, an object a file.
    const bucket = join(s3?.dataDir ?? '', 'feast-offline', 'steadystate');
    expect(readdirSync(bucket).sort()).toEqual(TABLES.map((t) => `${t}.parquet`));
    // From here on only the bucket has the tables.
    for (const t of TABLES) rmSync(join(dir, `${t}.parquet`));
    expect(TABLES.some((t) => existsSync(join(dir, `${t}.parquet`)))).toBe(false);
    await runFeastTool(['materialize'], env);
    const ids = join(dir, 'ids.txt');
    writeFileSync(ids, 'user-1\nuser-2\n');
    const online = await onlineFeatures(env, ids);
    expect(online.map((r) => Object.values(r.features).every((v) => v !== null))).toEqual([true, true]);
  });

  it('a value written to the bucket after an event is not in the trainer’s row; the storage down fails the build', async () => {
    // The event from the labelled events in the bucket (versitygw's posix backend: an object is a file).
    const events = await readLabelledEvents(
      join(s3?.dataDir ?? '', 'feast-offline', 'steadystate', 'labelled_transactions.parquet'),
    );
    const event = events.filter((r) => r.user_id === 'user-7').at(-1);
    if (!event) throw new Error('no labelled transaction for user-7');
    const row = (ts: string, avg: number) =>
      JSON.stringify({
        user_id: 'user-7',
        event_timestamp: ts,
        txn_count_24h: 1,
        avg_amount_30d: avg,
        failed_logins_24h: 0,
      });
    const ts = event.event_timestamp;
    await runFeastTool(['write-offline', '--view', 'user_velocity', '--row', row(shift(ts, -30), 77_777)], env);
    await runFeastTool(['write-offline', '--view', 'user_velocity', '--row', row(shift(ts, 30), 99_999)], env);
    const set = await buildTrainingSet(env, join(dir, 'training.csv'));
    await trainFromTrainingSet(set.out, join(dir, 'build'), join(dir, 'matrix.csv'));
    const trained = readCsvRows(join(dir, 'matrix.csv')).find((r) => r.event_id === event.event_id);
    expect(Number(trained?.avg_amount_30d)).toBe(77_777);

    await s3?.stop();
    s3 = undefined;
    await expect(buildTrainingSet(env, join(dir, 'down.csv'))).rejects.toThrow(/training-set failed/);
  });
});
