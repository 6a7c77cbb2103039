import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/adapters/process/ports.ts';
import {
  pauseRedis,
  type RedisInstance,
  resumeRedis,
  startRedis,
  stopRedis,
} from '../../src/adapters/process/redis-server.ts';
import { startTriton, stopTriton, type TritonInstance } from '../../src/adapters/process/triton-server.ts';
import { TritonClient } from '../../src/adapters/triton/client.ts';
import type { RunningGateway } from '../../src/gateway/start.ts';
import { admin, FRAUDY_FEATURES, featuresFor, predict, startTestGateway, testStack } from './fixtures/gateway.ts';
import { sharedTriton } from './fixtures/shared-triton.ts';
import { startTestTriton, stopTestTriton } from './fixtures/triton.ts';

const FALLBACK_TIERS = ['cache', 'stale_cache', 'fallback_model', 'default'];

async function inferenceCount(client: TritonClient, model: string): Promise<number> {
  return (await client.statistics(model))[0]?.inference_count ?? 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('the gateway in front of a real Triton', () => {
  let triton: TritonInstance;
  let client: TritonClient;
  let gw: RunningGateway;

  beforeAll(async () => {
    triton = await startTestTriton();
    client = new TritonClient({ url: triton.url, timeoutMs: 10_000 });
    gw = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.gateway.maxInflight = 2_000;
      }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await client?.close();
    await stopTestTriton(triton);
  });

  it('answers from the primary model, with the same score Triton gives for the assigned variant', async () => {
    const r = await predict(gw.url, 'user-1', FRAUDY_FEATURES);
    expect(r.status).toBe(200);
    expect(r.body.served_by).toBe('primary');
    const tritonModel = r.body.variant === 'v1' ? 'fraud_v1' : 'fraud_v2';
    const row = [120.5, 3, 10, 9, 300, 40, 0, 1, 2, 1, 30, 5, 1];
    const direct = await client.infer(tritonModel, {
      inputs: [{ name: 'features', shape: [1, 13], datatype: 'FP32', data: row }],
    });
    expect(r.body.score).toBeCloseTo(direct.outputs[0]?.data[0] as number, 6);
    const again = await predict(gw.url, 'user-1', FRAUDY_FEATURES);
    expect(again.body).toMatchObject({ served_by: 'cache', score: r.body.score, variant: r.body.variant });
  });

  it('keeps every user on one variant, across requests and across gateway replicas', async () => {
    const replica = await startTestGateway(triton.url);
    try {
      for (let u = 0; u < 40; u++) {
        const a = await predict(gw.url, `sticky-${u}`, featuresFor(u));
        const b = await predict(gw.url, `sticky-${u}`, featuresFor(u + 1));
        const c = await predict(replica.url, `sticky-${u}`, featuresFor(u + 2));
        expect(new Set([a.body.variant, b.body.variant, c.body.variant]).size).toBe(1);
      }
    } finally {
      await replica.close();
    }
  });

  it('1000 concurrent identical requests on a cold key cause exactly one upstream call', async () => {
    const features = { ...FRAUDY_FEATURES, amount: 4242.42 };
    // A 2 s deadline and no event-loop-lag shedding: this test is about coalescing, not about
    // 1000 requests' worth of event-loop time in one test process (client and gateway share
    // the loop) eating the 80 ms budget or tripping the lag bound.
    const relaxed = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.gateway.maxInflight = 2_000;
        s.models[0]!.deadline = '2s';
        s.resilience.eventLoopLagTarget = '0ms';
      }),
    );
    // One user: one variant, so every request shares one cache key.
    const variant = relaxed.gateway.variantFor('fraud', 'stampede-user');
    const model = variant === 'v1' ? 'fraud_v1' : 'fraud_v2';
    const before = await inferenceCount(client, model);
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => predict(relaxed.url, 'stampede-user', features)),
    );
    const after = await inferenceCount(client, model);
    await relaxed.close();
    expect(
      results.every((r) => (r.status === 200 && r.body.served_by === 'primary') || r.body.served_by === 'cache'),
    ).toBe(true);
    expect(after - before).toBe(1);
    expect(new Set(results.map((r) => r.body.score)).size).toBe(1);
  });

  it('with Triton 500 ms slower (injected), answers within the deadline from the fallback tiers', async () => {
    const set = await admin(gw.url, 'PUT', '/admin/faults', {
      faults: [
        { model: 'fraud', variant: 'v1', kind: 'latency', probability: 1, latencyMs: 500 },
        { model: 'fraud', variant: 'v2', kind: 'latency', probability: 1, latencyMs: 500 },
      ],
    });
    expect(set.status).toBe(200);
    try {
      const results = [];
      for (let i = 0; i < 30; i++) results.push(await predict(gw.url, `slow-${i}`, featuresFor(10_000 + i)));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(results.every((r) => FALLBACK_TIERS.includes(r.body.served_by))).toBe(true);
      expect(results.filter((r) => r.body.served_by === 'fallback_model').length).toBeGreaterThan(20);
      // The deadline is 80 ms; allow HTTP overhead on a busy 2-core machine, far below 500 ms.
      expect(median(results.map((r) => r.ms))).toBeLessThan(120);
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(300);
    } finally {
      await admin(gw.url, 'DELETE', '/admin/faults');
    }
  });

  it('shadow mode mirrors to the challenger and never changes the answer', async () => {
    // Both gateways with a 2 s deadline: the comparison is about shadowing, and an 80 ms
    // deadline on a busy two-core machine can turn either answer into a fallback-tier score.
    const shadowed = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.models[0]!.shadow = 'v2';
        s.models[0]!.deadline = '2s';
      }),
    );
    const plain = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.models[0]!.deadline = '2s';
      }),
    );
    try {
      for (let i = 0; i < 20; i++) {
        const user = `shadow-${i}`;
        const features = featuresFor(20_000 + i);
        const a = await predict(shadowed.url, user, features);
        const b = await predict(plain.url, user, features);
        expect([a.body.served_by, b.body.served_by]).toEqual(['primary', 'primary']);
        expect(a.body.variant).toBe(b.body.variant);
        expect(a.body.score).toBe(b.body.score);
      }
      await shadowed.gateway.drainShadows();
      const metrics = await shadowed.gateway.metrics.registry.getSingleMetricAsString(
        'inference_shadow_agreement_total',
      );
      const mirrored = [...metrics.matchAll(/variant="v2",agree="(true|false)"} (\d+)/g)].reduce(
        (s, m) => s + Number(m[2]),
        0,
      );
      expect(mirrored).toBeGreaterThan(5);
    } finally {
      await shadowed.close();
      await plain.close();
    }
  });

  it('the admin API changes weights at runtime, and refuses without the bearer token', async () => {
    expect((await admin(gw.url, 'GET', '/admin/models/fraud/weights', undefined, 'wrong')).status).toBe(401);
    expect((await fetch(`${gw.url}/admin/faults`)).status).toBe(401);
    const bad = await admin(gw.url, 'PUT', '/admin/models/fraud/weights', { weights: { v1: 90, v2: 20 } });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toMatch(/add up to 110/);
    const put = await admin(gw.url, 'PUT', '/admin/models/fraud/weights', { weights: { v1: 100, v2: 0 } });
    expect(put.body.weights).toEqual({ v1: 100, v2: 0 });
    try {
      for (let i = 0; i < 30; i++)
        expect((await predict(gw.url, `all-a-${i}`, featuresFor(i))).body.variant).toBe('v1');
    } finally {
      await admin(gw.url, 'PUT', '/admin/models/fraud/weights', { weights: { v1: 80, v2: 20 } });
    }
  });

  it.each([
    [
      'a wrong type',
      { user_id: 'u', features: { ...FRAUDY_FEATURES, amount: 'lots' } },
      400,
      /features\.amount must be a finite number/,
    ],
    ['a missing feature', { user_id: 'u', features: { amount: 3 } }, 400, /missing features: hour/],
    [
      'an unknown category',
      { user_id: 'u', features: { ...FRAUDY_FEATURES, channel: 'fax' } },
      400,
      /features\.channel must be one of pos, online/,
    ],
    ['no user id', { features: FRAUDY_FEATURES }, 400, /user_id must be a string/],
  ])('a request with %s is a %i naming the field, and never reaches Triton', async (_name, body, status, message) => {
    const before = (await inferenceCount(client, 'fraud_v1')) + (await inferenceCount(client, 'fraud_v2'));
    const res = await fetch(`${gw.url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    expect((await inferenceCount(client, 'fraud_v1')) + (await inferenceCount(client, 'fraud_v2'))).toBe(before);
  });

  it('KServe v2 infer on the logical model validates shape and batch size (413 over the limit)', async () => {
    const row = [120.5, 3, 10, 9, 300, 40, 0, 1, 2, 1, 30, 5, 1];
    const ok = await fetch(`${gw.url}/v2/models/fraud/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'features', shape: [2, 13], datatype: 'FP32', data: [...row, ...row] }],
        parameters: { user_id: 'k1' },
      }),
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { outputs: { name: string; shape: number[] }[] };
    expect(body.outputs[0]).toMatchObject({ name: 'score', shape: [2, 1] });
    const tooBig = await fetch(`${gw.url}/v2/models/fraud/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'features', shape: [33, 13], datatype: 'FP32', data: new Array(33 * 13).fill(1) }],
      }),
    });
    expect(tooBig.status).toBe(413);
    const nan = await fetch(`${gw.url}/v2/models/fraud/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'features', shape: [1, 13], datatype: 'FP32', data: [...row.slice(0, 12), 'NaN'] }],
      }),
    });
    expect(nan.status).toBe(400);
  });

  it('serves the stale cached answer when the primary fails after the TTL (stale-if-error)', async () => {
    const short = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.cache.ttl = '1s';
        s.cache.staleFor = '10m';
      }),
    );
    try {
      const fresh = await predict(short.url, 'stale-user', FRAUDY_FEATURES);
      expect(fresh.body.served_by).toBe('primary');
      await new Promise((r) => setTimeout(r, 1_200));
      await admin(short.url, 'PUT', '/admin/faults', {
        faults: [{ model: 'fraud', variant: '*', kind: 'error', probability: 1 }],
      });
      const stale = await predict(short.url, 'stale-user', FRAUDY_FEATURES);
      expect(stale.body).toMatchObject({ served_by: 'stale_cache', stale: true, score: fresh.body.score });
    } finally {
      await short.close();
    }
  });

  it('opens the circuit of a failing variant (error rate), then serves fallbacks without calling it', async () => {
    const breaking = await startTestGateway(triton.url);
    try {
      await admin(breaking.url, 'PUT', '/admin/faults', {
        faults: [{ model: 'fraud', variant: 'v1', kind: 'error', probability: 1, seed: 7 }],
      });
      await admin(breaking.url, 'PUT', '/admin/models/fraud/weights', { weights: { v1: 100, v2: 0 } });
      for (let i = 0; i < 40; i++) {
        const r = await predict(breaking.url, `breaker-${i}`, featuresFor(70_000 + i));
        expect(r.status).toBe(200);
        expect(r.body.served_by).toBe('fallback_model');
      }
      const metrics = await breaking.gateway.metrics.registry.metrics();
      expect(metrics).toMatch(/inference_circuit_state\{model="fraud",variant="v1"\} 2/);
      expect(metrics).toMatch(
        /inference_upstream_errors_total\{model="fraud",variant="v1",reason="circuit_open"\} \d+/,
      );
      expect(metrics).toMatch(/inference_circuit_state\{model="fraud",variant="v2"\} 0/);
    } finally {
      await breaking.close();
    }
  });

  it('Triton killed mid-load: every request still gets a 200 from a fallback tier; Triton back -> primary again', async () => {
    // Warm some keys so the cache tier has something to serve.
    for (let i = 0; i < 20; i++) await predict(gw.url, `warm-${i}`, featuresFor(30_000 + i));
    const ports = triton.ports;
    const load = async (label: string, n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        const warm = i % 2 === 0;
        out.push(
          await predict(
            gw.url,
            warm ? `warm-${i % 20}` : `${label}-${i}`,
            warm ? featuresFor(30_000 + (i % 20)) : featuresFor(40_000 + i),
          ),
        );
      }
      return out;
    };
    await stopTriton(triton, 0); // SIGKILL-equivalent: no grace
    const during = await load('outage', 60);
    expect(during.every((r) => r.status === 200)).toBe(true);
    expect(during.every((r) => FALLBACK_TIERS.includes(r.body.served_by))).toBe(true);
    expect(during.some((r) => r.body.served_by === 'cache')).toBe(true);
    expect(during.some((r) => r.body.served_by === 'default')).toBe(true);
    triton = await startTriton({ ports, readyTimeoutMs: 150_000 });
    await expect
      .poll(
        async () =>
          (await predict(gw.url, `recovered-${Date.now()}`, featuresFor(Math.floor(Math.random() * 1e6)))).body
            .served_by,
        {
          timeout: 30_000,
          interval: 500,
        },
      )
      .toBe('primary');
  });
});

describe('the gateway with Redis as cache', () => {
  let triton: TritonInstance;
  let redis: RedisInstance;
  let gw: RunningGateway;

  beforeAll(async () => {
    triton = await sharedTriton();
    redis = await startRedis(await freePort());
    gw = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.cache.backend = 'redis';
        s.cache.redisUrl = redis.url;
      }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    if (redis) await stopRedis(redis);
  });

  it('a paused feature-store Redis costs at most its timeout, then nothing: missing features default, flagged', async () => {
    const features = await startRedis(await freePort());
    const store = new Redis(features.url);
    const fsGateway = await startTestGateway(
      triton.url,
      testStack((s) => {
        s.featureStore = { redisUrl: features.url, keyPrefix: 'features:', timeout: '10ms' };
      }),
    );
    try {
      await store.hset('features:fs-user', { account_age_days: '3', device_age_days: '2' });
      const partial = { amount: 99.5, hour: 2 };
      const post = async (user: string) => {
        const start = performance.now();
        const res = await fetch(`${fsGateway.url}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: user, features: partial }),
        });
        return {
          status: res.status,
          ms: performance.now() - start,
          body: (await res.json()) as { defaulted_features: string[] },
        };
      };
      const healthy = await post('fs-user');
      expect(healthy.status).toBe(200);
      expect(healthy.body.defaulted_features).not.toContain('account_age_days');

      pauseRedis(features);
      const paused = [];
      for (let i = 0; i < 20; i++) paused.push(await post('fs-user'));
      resumeRedis(features);
      expect(paused.every((r) => r.status === 200)).toBe(true);
      expect(paused.every((r) => r.body.defaulted_features.includes('account_age_days'))).toBe(true);
      // Each call waits at most the 10 ms timeout; once 10 calls in 2 s failed, the breaker skips the store.
      expect(Math.max(...paused.map((r) => r.ms))).toBeLessThan(300);
      expect(Math.min(...paused.slice(0, 5).map((r) => r.ms))).toBeGreaterThanOrEqual(9);
      expect(median(paused.slice(10).map((r) => r.ms))).toBeLessThan(10);
      expect(fsGateway.gateway.featureStoreBreakerOpen).toBe(true);
      const metrics = await fsGateway.gateway.metrics.registry.getSingleMetricAsString(
        'inference_defaulted_features_total',
      );
      expect(metrics).toMatch(/feature="account_age_days"} \d+/);
      // Resumed: after the breaker's 2 s the store answers again.
      await expect
        .poll(async () => (await post('fs-user')).body.defaulted_features.includes('account_age_days'), {
          timeout: 10_000,
          interval: 500,
        })
        .toBe(false);
    } finally {
      store.disconnect();
      await fsGateway.close();
      await stopRedis(features);
    }
  });

  it('serves repeats from Redis, and keeps answering when Redis is paused or killed', async () => {
    const first = await predict(gw.url, 'r-1', FRAUDY_FEATURES);
    expect(first.body.served_by).toBe('primary');
    // The cache write is fire-and-forget: poll until the repeat is served from Redis.
    await expect.poll(async () => (await predict(gw.url, 'r-1', FRAUDY_FEATURES)).body.served_by).toBe('cache');

    pauseRedis(redis);
    const paused = [];
    for (let i = 0; i < 20; i++) paused.push(await predict(gw.url, `r-paused-${i}`, featuresFor(50_000 + i)));
    resumeRedis(redis);
    expect(paused.map((r) => `${r.status} ${r.body.served_by}`)).toEqual(paused.map(() => '200 primary'));
    // A frozen Redis costs at most the 5 ms cache budget, then nothing once the breaker opens.
    expect(median(paused.map((r) => r.ms))).toBeLessThan(80);

    await stopRedis(redis);
    const killed = [];
    for (let i = 0; i < 20; i++) killed.push(await predict(gw.url, `r-killed-${i}`, featuresFor(60_000 + i)));
    expect(killed.map((r) => `${r.status} ${r.body.served_by}`)).toEqual(killed.map(() => '200 primary'));
  });
});
