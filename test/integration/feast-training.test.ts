/**
 * Training through the feature store (issue 15): the rows the trainer fits are Feast's
 * point-in-time join over labelled transactions (`feast_tool.py training-set`), so a value
 * written after a transaction's time never reaches that transaction's training row, and a
 * value written at or before it does. Checked on the matrix the trainer itself consumed
 * (serving/models/train_feast.py --matrix-out), not on an intermediate file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTrainingSet,
  type FeastEnv,
  historicalFeatures,
  prepareFeatureStore,
  runFeastTool,
  trainFromTrainingSet,
} from '../../src/adapters/feast/feast-tool.ts';
import { type LabelledEvent, readCsvRows, readLabelledEvents } from './fixtures/labelled-events.ts';

const USERS = 400;
let dir: string;
/** Offline reads only: Redis is never contacted (prepare runs without materializing). */
let env: FeastEnv;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feast-train-'));
  env = { dataDir: dir, redis: '127.0.0.1:1' };
  await prepareFeatureStore(env, { users: USERS, materialize: false });
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Row = Record<string, string>;

/** One velocity row for `user` at `ts` whose avg_amount_30d marks where a training value came from. */
function velocityRow(user: string, ts: string, avg: number): string[] {
  return [
    'write-offline',
    '--view',
    'user_velocity',
    '--row',
    JSON.stringify({ user_id: user, event_timestamp: ts, txn_count_24h: 1, avg_amount_30d: avg, failed_logins_24h: 0 }),
  ];
}

const shift = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

describe('training rows from the feature store', () => {
  it('the trainer fits on point-in-time rows: a later value is never used, one at or before the event is', async () => {
    const events = await readLabelledEvents(join(dir, 'labelled_transactions.parquet'));
    const baseline = readCsvRows((await buildTrainingSet(env, join(dir, 'baseline.csv'))).out);
    expect(baseline.length).toBe(USERS * 8);
    // The newest labelled transaction of two users (no later one of theirs could rightly see
    // the values written after it), from the labelled events themselves, not the trainer's output.
    const [a, b] = ['user-3', 'user-5'].map((u) => {
      const row = events.filter((r) => r.user_id === u).at(-1);
      if (!row) throw new Error(`no labelled transaction for ${u}`);
      return row;
    }) as [LabelledEvent, LabelledEvent];
    const aTs = a.event_timestamp;
    const bTs = b.event_timestamp;
    await runFeastTool(velocityRow('user-3', shift(aTs, -30), 77_777), env); // before the event
    await runFeastTool(velocityRow('user-3', shift(aTs, 30), 99_999), env); // after it
    await runFeastTool(velocityRow('user-5', bTs, 55_555), env); // at the event's exact time
    await runFeastTool(velocityRow('user-5', shift(bTs, 1), 99_999), env); // one second after

    // The late values are really in the offline store: a point-in-time read after them sees them.
    const probe = join(dir, 'probe.jsonl');
    writeFileSync(
      probe,
      [
        { user_id: 'user-3', ts: shift(aTs, 60) },
        { user_id: 'user-5', ts: shift(bTs, 60) },
      ]
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    expect((await historicalFeatures(env, probe)).map((r) => r.features.avg_amount_30d)).toEqual([99_999, 99_999]);

    const set = await buildTrainingSet(env, join(dir, 'training.csv'));
    const trained = await trainFromTrainingSet(set.out, join(dir, 'build'), join(dir, 'matrix.csv'));
    expect(trained.rows).toBe(set.rows);
    expect(trained.train_rows + trained.test_rows).toBe(set.rows);
    expect(trained.roc_auc).toBeGreaterThan(0.7);

    const matrix = new Map(readCsvRows(join(dir, 'matrix.csv')).map((r) => [r.event_id, r]));
    expect(matrix.size).toBe(baseline.length);
    const avg = (r: Row | undefined) => Number(r?.avg_amount_30d);
    expect(avg(matrix.get(a.event_id))).toBe(77_777);
    expect(avg(matrix.get(b.event_id))).toBe(55_555);
    // No training row anywhere saw the values written after their events.
    expect([...matrix.values()].filter((r) => avg(r) === 99_999)).toEqual([]);
    // Every other row is unchanged: the rest of user-3's and user-5's history is untouched.
    const before = new Map(baseline.map((r) => [r.event_id, Number(r.avg_amount_30d)]));
    const changed = [...matrix.values()].filter(
      (r) => Math.abs(avg(r) - (before.get(r.event_id as string) ?? Number.NaN)) > 1e-3 * avg(r),
    );
    expect(changed.map((r) => r.event_id).sort()).toEqual([a.event_id, b.event_id].sort());
  });
});
