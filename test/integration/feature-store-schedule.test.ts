/**
 * The game day's feature-store schedule on real parts: Feast builds, applies and
 * materializes into a real Redis, runs materialize-incremental on its schedule, and the
 * freshness gauges the FeatureViewStale alert reads arrive in a real Pushgateway.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/adapters/process/daemon.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { startPushgateway } from '../../src/adapters/process/pushgateway-server.ts';
import { type RedisInstance, startRedis, stopRedis } from '../../src/adapters/process/redis-server.ts';
import { waitUntil } from '../../src/adapters/process/supervisor.ts';
import { startFeatureStoreSchedule } from '../../src/services/gameday/feature-store-phase.ts';

let redis: RedisInstance;
let pushgateway: Daemon;
let dir: string;

beforeAll(async () => {
  redis = await startRedis(await freePort());
  pushgateway = await startPushgateway();
  dir = mkdtempSync(join(tmpdir(), 'feast-schedule-'));
}, 60_000);

afterAll(async () => {
  if (redis) await stopRedis(redis);
  await pushgateway?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const gauge = (text: string, line: RegExp) => Number(text.match(line)?.[1] ?? Number.NaN);

describe('feature-store schedule', () => {
  it('materializes, then again on schedule, and pushes fresh gauges', async () => {
    const lines: string[] = [];
    const schedule = await startFeatureStoreSchedule({
      runDir: dir,
      redisUrl: redis.url,
      pushgatewayUrl: pushgateway.url,
      everyMs: 3_000,
      users: 300,
      log: (l) => lines.push(l),
    });
    try {
      expect(schedule.prepared.users).toBe(300);
      expect(schedule.prepared.materialize_s).toBeGreaterThan(0);
      const metrics = async () => (await fetch(`${pushgateway.url}/metrics`)).text();
      const first = gauge(await metrics(), /feature_store_materialize_duration_seconds\{[^}]*\} (\S+)/);
      expect(first).toBe(schedule.prepared.materialize_s);
      // A scheduled materialize-incremental replaces the gauge group with its own time.
      expect(
        await waitUntil(
          async () => gauge(await metrics(), /feature_store_materialize_duration_seconds\{[^}]*\} (\S+)/) !== first,
          90_000,
          500,
        ),
      ).toBe(true);
      const text = await metrics();
      // Built for the current hour: the newest values are under an hour old, far inside the TTLs.
      for (const view of ['user_account', 'user_velocity']) {
        const age = gauge(text, new RegExp(`feature_store_freshness_seconds\\{[^}]*view="${view}"[^}]*\\} (\\S+)`));
        expect(age).toBeGreaterThanOrEqual(0);
        expect(age).toBeLessThan(3_700);
      }
      expect(lines.join('\n')).not.toMatch(/failed/);
    } finally {
      await schedule.stop();
    }
  }, 180_000);
});
