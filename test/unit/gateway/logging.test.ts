import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paths } from '../../../src/adapters/process/paths.ts';
import { TritonClient } from '../../../src/adapters/triton/client.ts';
import { encodeFeatures, featureSchemaFile } from '../../../src/core/spec/feature-schema.ts';
import { predictionCacheKey } from '../../../src/gateway/cache/key.ts';
import { MemoryPredictionStore } from '../../../src/gateway/cache/memory-store.ts';
import { InferenceGateway } from '../../../src/gateway/inference-gateway.ts';
import { createGatewayLog } from '../../../src/gateway/log.ts';
import { createGatewayMetrics } from '../../../src/gateway/metrics.ts';
import { buildGatewayServer } from '../../../src/gateway/server.ts';
import { testStack } from '../../integration/fixtures/gateway.ts';

const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
const VALID = Object.fromEntries(schema.features.map((f) => [f.name, f.default]));

/**
 * The production log (pino, JSON lines) into memory, behind a real fastify app whose Triton is
 * a closed port: every prediction degrades, which is what must be logged, with its request id.
 */
describe('structured logs: 5xx, fallbacks and breaker transitions, with the request id', () => {
  const lines: Record<string, unknown>[] = [];
  const log = createGatewayLog({ write: (line: string) => void lines.push(JSON.parse(line)) });
  const triton = new TritonClient({ url: 'http://127.0.0.1:9', timeoutMs: 50 });
  const build = (fallbacks: boolean) => {
    const gateway = new InferenceGateway({
      stack: testStack((s) => {
        s.models[0]!.fallbacks = fallbacks;
      }),
      schemas: new Map([['fraud', schema]]),
      triton,
      store: new MemoryPredictionStore(1000),
      metrics: createGatewayMetrics(),
      log,
    });
    return {
      gateway,
      server: buildGatewayServer(gateway, { maxBodyBytes: 8192, maxBatch: 32, maxInflight: 100, adminToken: 't', log }),
    };
  };
  const degrading = build(true);
  const failing = build(false);
  beforeAll(async () => {
    await degrading.server.app.ready();
    await failing.server.app.ready();
  });
  afterAll(async () => {
    await degrading.server.app.close();
    await failing.server.app.close();
    await triton.close();
  });
  beforeEach(() => {
    lines.length = 0;
  });

  const predict = (app: typeof degrading.server.app, requestId: string, user = 'u1', features = VALID) =>
    app.inject({
      method: 'POST',
      url: '/v1/predict',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      payload: JSON.stringify({ user_id: user, features }),
    });

  it('an answer from a fallback tier logs one warning naming the tier, the reason and the request id', async () => {
    const res = await predict(degrading.server.app, 'req-fallback-1');
    expect(res.json()).toMatchObject({ served_by: 'default', request_id: 'req-fallback-1' });
    const forRequest = lines.filter((l) => l.request_id === 'req-fallback-1');
    expect(forRequest).toEqual([
      expect.objectContaining({ level: 40, served_by: 'default', model: 'fraud', reason: 'unavailable' }),
    ]);
    expect(String(forRequest[0]?.msg)).toMatch(/answered from default/);
  });

  it('a 5xx logs an error with the request id (KServe infer with fallbacks off)', async () => {
    const res = await failing.server.app.inject({
      method: 'POST',
      url: '/v2/models/fraud/infer',
      headers: { 'x-request-id': 'req-5xx-1' },
      payload: JSON.stringify({
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 13], data: encodeFeatures(schema, VALID) }],
      }),
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(lines.filter((l) => l.request_id === 'req-5xx-1')).toEqual([
      expect.objectContaining({ level: 50, status: 503, url: '/v2/models/fraud/infer' }),
    ]);
  });

  it('a cache hit writes nothing (the healthy path is quiet)', async () => {
    const { gateway, server } = degrading;
    const variant = gateway.variantFor('fraud', 'cached-user');
    const now = Date.now();
    gateway.cache.write(predictionCacheKey('fraud', variant, [encodeFeatures(schema, VALID)]), {
      scores: [0.2],
      storedAtMs: now,
      expiresAtMs: now + 60_000,
      staleUntilMs: now + 600_000,
      computeMs: 1,
    });
    await new Promise((r) => setTimeout(r, 0));
    const res = await predict(server.app, 'req-hit-1', 'cached-user');
    expect(res.json()).toMatchObject({ served_by: 'cache', score: 0.2 });
    expect(lines).toEqual([]);
  });

  it("a variant's circuit opening is logged once, with the model, the variant and the failure that tipped it", async () => {
    for (let i = 0; i < 40; i++)
      await predict(degrading.server.app, `req-breaker-${i}`, 'breaker-user', { ...VALID, amount: 100 + i });
    const opened = lines.filter((l) => /circuit opened/.test(String(l.msg)));
    expect(opened.length).toBeGreaterThanOrEqual(1);
    expect(opened[0]).toMatchObject({
      level: 40,
      model: 'fraud',
      circuit: 'open',
      // Nothing listens on port 9: refused connections, named with the time they took.
      last_failure: expect.stringMatching(/^unavailable: .*ECONNREFUSED.* after \d+ ms$/),
    });
    expect(String(opened[0]?.msg)).toContain(`(last failure: ${opened[0]?.last_failure})`);
    expect(new Set(opened.map((l) => `${l.model}/${l.variant}`)).size).toBe(opened.length);
  });
});
