import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../../src/adapters/process/paths.ts';
import { TritonClient } from '../../../src/adapters/triton/client.ts';
import { featureSchemaFile } from '../../../src/core/spec/feature-schema.ts';
import { MemoryPredictionStore } from '../../../src/gateway/cache/memory-store.ts';
import { InferenceGateway } from '../../../src/gateway/inference-gateway.ts';
import { createGatewayMetrics } from '../../../src/gateway/metrics.ts';
import { buildGatewayServer } from '../../../src/gateway/server.ts';
import { testStack } from '../../integration/fixtures/gateway.ts';

const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
const VALID = Object.fromEntries(schema.features.map((f) => [f.name, f.default]));

/**
 * The decoders behind a real fastify app. Triton is a closed port here, so every valid
 * request is answered by the default tier: this is about decoding, not inference.
 */
describe('request decoding (property tests through the HTTP app)', () => {
  const stack = testStack((s) => {
    s.models[0]!.deadline = '20ms';
    s.gateway.maxBodyBytes = 4096;
  });
  const triton = new TritonClient({ url: 'http://127.0.0.1:9', timeoutMs: 50 });
  const gateway = new InferenceGateway({
    stack,
    schemas: new Map([['fraud', schema]]),
    triton,
    store: new MemoryPredictionStore(1000),
    metrics: createGatewayMetrics(),
  });
  const server = buildGatewayServer(gateway, { maxBodyBytes: 4096, maxBatch: 32, maxInflight: 1000, adminToken: 't' });
  beforeAll(async () => server.app.ready());
  afterAll(async () => {
    await server.app.close();
    await triton.close();
  });

  const post = (url: string, payload: string, contentType = 'application/json') =>
    server.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

  it('answers any JSON value with 200 or a 4xx carrying a message, never a 5xx (/v1/predict)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            user_id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
            features: fc.dictionary(fc.constantFrom(...Object.keys(VALID), 'bogus'), fc.jsonValue()),
          }),
          fc.record({ user_id: fc.string({ minLength: 1, maxLength: 20 }), features: fc.constant(VALID) }),
        ),
        async (body) => {
          const res = await post('/v1/predict', JSON.stringify(body));
          expect(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500)).toBe(true);
          if (res.statusCode !== 200) expect(String(res.json().error).length).toBeGreaterThan(10);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers arbitrary bytes with a 4xx and a message (/v1/predict and KServe)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.constantFrom('/v1/predict', '/v2/models/fraud/infer'),
        async (payload, url) => {
          const res = await post(url, payload);
          if (res.statusCode !== 200) {
            expect(res.statusCode).toBeGreaterThanOrEqual(400);
            expect(res.statusCode).toBeLessThan(500);
            expect(String(res.json().error).length).toBeGreaterThan(5);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers any KServe-shaped tensor with 200 or a 4xx naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          name: fc.constantFrom('features', 'x'),
          datatype: fc.constantFrom('FP32', 'INT64', 'BYTES'),
          shape: fc.array(fc.integer({ min: -1, max: 40 }), { maxLength: 3 }),
          data: fc.array(fc.oneof(fc.double(), fc.integer({ min: 0, max: 3 }), fc.string()), { maxLength: 60 }),
        }),
        async (input) => {
          const res = await post('/v2/models/fraud/infer', JSON.stringify({ inputs: [input] }));
          expect(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500)).toBe(true);
          if (res.statusCode !== 200) expect(res.json().field).toMatch(/^inputs/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    [
      'an oversized body',
      '/v1/predict',
      JSON.stringify({ user_id: 'u', features: VALID, pad: 'x'.repeat(5000) }),
      413,
      /exceeds 4096 bytes/,
    ],
    ['a non-JSON content type', '/v1/predict', 'user_id=u', 415, /application\/json/],
    [
      'NaN spelled as a string',
      '/v1/predict',
      JSON.stringify({ user_id: 'u', features: { ...VALID, amount: 'NaN' } }),
      400,
      /features\.amount must be a finite number/,
    ],
    [
      'Infinity (JSON has none, so 1e999)',
      '/v1/predict',
      `{"user_id":"u","features":${JSON.stringify(VALID).replace('"amount":42', '"amount":1e999')}}`,
      400,
      /features\.amount must be a finite number/,
    ],
    ['an unknown model', '/v2/models/nope/infer', '{}', 404, /unknown model "nope"/],
  ])('rejects %s', async (_name, url, payload, status, message) => {
    const res = await post(
      url,
      payload,
      url.includes('predict') && payload.startsWith('user_id')
        ? 'application/x-www-form-urlencoded'
        : 'application/json',
    );
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatch(message);
  });

  it('serves the default prediction, labelled, when Triton cannot be reached', async () => {
    const res = await post('/v1/predict', JSON.stringify({ user_id: 'u', features: VALID }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ served_by: 'default', score: 0.01, stale: false, model: 'fraud' });
  });
});
