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

  it('answers any bytes behind any Inference-Header-Content-Length with 200 or a 4xx and a message', async () => {
    const valid = JSON.stringify({
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 13], parameters: { binary_data_size: 52 } }],
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 120 }), fc.constant(valid)),
        fc.uint8Array({ maxLength: 80 }),
        fc.oneof(fc.nat({ max: 400 }).map(String), fc.constantFrom('', '-1', 'abc', '1e2', String(valid.length))),
        async (json, bytes, headerLength) => {
          const res = await server.app.inject({
            method: 'POST',
            url: '/v2/models/fraud/infer',
            headers: { 'inference-header-content-length': headerLength },
            payload: Buffer.concat([Buffer.from(json), Buffer.from(bytes)]),
          });
          if (res.statusCode !== 200) {
            expect(res.statusCode).toBeGreaterThanOrEqual(400);
            expect(res.statusCode).toBeLessThan(500);
            expect(String(res.json().error).length).toBeGreaterThan(5);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes binary input tensors and answers binary outputs laid out as Triton does', async () => {
    const row = schema.features.map((f) => (f.type === 'categorical' ? f.categories.indexOf(f.default) : f.default));
    const header = Buffer.from(
      JSON.stringify({
        id: 'bin-1',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 13], parameters: { binary_data_size: 104 } }],
        outputs: [{ name: 'label', parameters: { binary_data: true } }, { name: 'score' }],
      }),
    );
    const tensor = Buffer.alloc(104);
    for (const [i, v] of [...row, ...row].entries()) tensor.writeFloatLE(v, i * 4);
    const res = await server.app.inject({
      method: 'POST',
      url: '/v2/models/fraud/infer',
      headers: { 'inference-header-content-length': String(header.length) },
      payload: Buffer.concat([header, tensor]),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    const jsonLength = Number(res.headers['inference-header-content-length']);
    const body = res.rawPayload;
    const meta = JSON.parse(body.subarray(0, jsonLength).toString());
    expect(meta).toMatchObject({
      id: 'bin-1',
      outputs: [
        { name: 'label', datatype: 'INT32', shape: [2, 1], parameters: { binary_data_size: 8 } },
        { name: 'score', datatype: 'FP32', shape: [2, 1], data: [0.01, 0.01] },
      ],
    });
    expect(body.length).toBe(jsonLength + 8);
    expect([body.readInt32LE(jsonLength), body.readInt32LE(jsonLength + 4)]).toEqual([0, 0]);
  });

  it.each([
    [
      'binary_data_size that does not match the shape',
      { binary_data_size: 12 },
      Buffer.alloc(12),
      /binary_data_size must be 52/,
    ],
    ['fewer bytes than declared', { binary_data_size: 52 }, Buffer.alloc(40), /carries 40 bytes/],
    ['a NaN in the binary tensor', { binary_data_size: 52 }, Buffer.alloc(52, 0xff), /must be a finite number/],
  ])('refuses %s with a 400 naming the field', async (_name, parameters, bytes, message) => {
    const header = Buffer.from(
      JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 13], parameters }] }),
    );
    const res = await server.app.inject({
      method: 'POST',
      url: '/v2/models/fraud/infer',
      headers: { 'inference-header-content-length': String(header.length) },
      payload: Buffer.concat([header, bytes]),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(message);
    expect(res.json().field).toMatch(/^inputs\[0\]/);
  });

  it('takes an infer body without Content-Type as JSON, and serves metadata with and without a version', async () => {
    const row = schema.features.map((f) => (f.type === 'categorical' ? f.categories.indexOf(f.default) : f.default));
    const infer = await server.app.inject({
      method: 'POST',
      url: '/v2/models/fraud/versions/v2/infer',
      payload: Buffer.from(
        JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 13], data: row }] }),
      ),
    });
    expect(infer.statusCode).toBe(200);
    expect(infer.json()).toMatchObject({ model_version: 'v2', parameters: { variant: 'v2' } });
    expect((await server.app.inject({ url: '/v2' })).json()).toMatchObject({ name: 'steadystate-gateway' });
    expect((await server.app.inject({ url: '/v2/models/fraud/versions/v1' })).json()).toMatchObject({
      versions: ['v1', 'v2'],
    });
    const unknown = await server.app.inject({ url: '/v2/models/fraud/versions/7/ready' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatch(/unknown version "7".*v1, v2/);
  });

  it('keeps the in-flight count exact when bodies are refused before the handler', async () => {
    for (let i = 0; i < 20; i++) {
      await post('/v1/predict', '{not json');
      await post('/v2/models/fraud/infer', '{not json');
    }
    expect(server.state.inflight).toBe(0);
  });

  it('serves the default prediction, labelled, when Triton cannot be reached', async () => {
    const res = await post('/v1/predict', JSON.stringify({ user_id: 'u', features: VALID }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ served_by: 'default', score: 0.01, stale: false, model: 'fraud' });
  });
});
