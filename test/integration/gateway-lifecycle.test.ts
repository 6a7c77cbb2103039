import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/adapters/process/paths.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import {
  pauseRedis,
  type RedisInstance,
  resumeRedis,
  startRedis,
  stopRedis,
} from '../../src/adapters/process/redis-server.ts';
import type { TritonInstance } from '../../src/adapters/process/triton-server.ts';
import { startGateway } from '../../src/gateway/start.ts';
import { ADMIN_TOKEN, admin, FRAUDY_FEATURES, predict, startTestGateway, testStack } from './fixtures/gateway.ts';
import { sharedTriton } from './fixtures/shared-triton.ts';

describe('gateway lifecycle, online features and prediction log (real Triton + Redis)', () => {
  let triton: TritonInstance;
  let redis: RedisInstance;

  beforeAll(async () => {
    triton = await sharedTriton();
    redis = await startRedis(await freePort());
  });
  afterAll(async () => {
    if (redis) await stopRedis(redis);
  });

  it('is live at once but ready only after a warm-up prediction succeeds', async () => {
    const deadPort = await freePort();
    const gw = await startGateway({
      stack: testStack(),
      root: paths.root(),
      port: 0,
      tritonUrl: `http://127.0.0.1:${deadPort}`,
      adminToken: ADMIN_TOKEN,
      waitReady: false,
      logger: false,
    });
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(503);
    } finally {
      await gw.close();
    }
    const good = await startGateway({
      stack: testStack(),
      root: paths.root(),
      port: 0,
      tritonUrl: triton.url,
      adminToken: ADMIN_TOKEN,
      waitReady: false,
      logger: false,
    });
    try {
      await expect.poll(async () => (await fetch(`${good.url}/readyz`)).status, { timeout: 15_000 }).toBe(200);
    } finally {
      await good.close();
    }
  });

  it('drains in-flight requests on shutdown: they finish with 200, new ones are refused', async () => {
    const gw = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.models[0]!.deadline = '3s';
      }),
    );
    await admin(gw.url, 'PUT', '/admin/faults', {
      faults: [{ model: 'fraud', variant: '*', kind: 'latency', probability: 1, latencyMs: 400 }],
    });
    const inflight = Array.from({ length: 10 }, (_, i) =>
      predict(gw.url, `drain-${i}`, { ...FRAUDY_FEATURES, amount: 500 + i }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const closing = gw.close();
    const results = await Promise.all(inflight);
    await closing;
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    expect(results.every((r) => r.body.served_by === 'primary')).toBe(true);
    await expect(fetch(`${gw.url}/v1/predict`, { method: 'POST' })).rejects.toThrow();
  });

  it('fills missing features from the online store, defaults the rest, and says which', async () => {
    const seed = new Redis(redis.url);
    await seed.hset('features:alice', { account_age_days: '12', txn_count_24h: '7', merchant_category: 'travel' });
    await seed.quit();
    const gw = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.featureStore = { redisUrl: redis.url, keyPrefix: 'features:', timeout: '20ms' };
      }),
    );
    try {
      const partial = { amount: 99, hour: 2 };
      const r = await predict(gw.url, 'alice', partial);
      expect(r.status).toBe(200);
      const body = r.body as unknown as { defaulted_features: string[]; served_by: string };
      expect(body.served_by).toBe('primary');
      expect(body.defaulted_features).not.toContain('account_age_days');
      expect(body.defaulted_features).not.toContain('merchant_category');
      expect(body.defaulted_features).toContain('channel');
      expect(body.defaulted_features).toHaveLength(13 - 2 - 3);
      // Feature store down (frozen): every missing feature is defaulted, within the lookup timeout.
      pauseRedis(redis);
      try {
        const down = await predict(gw.url, 'alice', partial);
        expect(down.status).toBe(200);
        expect((down.body as unknown as { defaulted_features: string[] }).defaulted_features).toHaveLength(11);
        expect(down.ms).toBeLessThan(250);
      } finally {
        resumeRedis(redis);
      }
    } finally {
      await gw.close();
    }
  });

  it('writes a sampled prediction log as JSONL, rotated by size, with no metric labels for ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steadystate-log-'));
    const gw = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.predictionLog = { path: join(dir, 'predictions.jsonl'), sampleRate: 1, maxBytes: 4_000, keepFiles: 2 };
      }),
    );
    try {
      for (let i = 0; i < 30; i++) await predict(gw.url, `log-${i}`, { ...FRAUDY_FEATURES, amount: 700 + i });
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).not.toMatch(/log-1/);
    } finally {
      await gw.close();
    }
    expect(existsSync(join(dir, 'predictions.jsonl.1'))).toBe(true);
    const lines = readFileSync(join(dir, 'predictions.jsonl'), 'utf8').trim().split('\n');
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({ model: 'fraud', served_by: 'primary' });
    expect(entry.features.amount).toBeGreaterThanOrEqual(700);
    expect(typeof entry.request_id).toBe('string');
  });
});
