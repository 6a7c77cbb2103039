import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../../src/adapters/process/paths.ts';
import { TritonClient } from '../../../src/adapters/triton/client.ts';
import { encodeFeatures, featureSchemaFile } from '../../../src/core/spec/feature-schema.ts';
import { stackSpec } from '../../../src/core/spec/kinds/stack.ts';
import { MemoryPredictionStore } from '../../../src/gateway/cache/memory-store.ts';
import { InferenceGateway } from '../../../src/gateway/inference-gateway.ts';
import { createGatewayMetrics } from '../../../src/gateway/metrics.ts';
import { buildGatewayServer } from '../../../src/gateway/server.ts';
import { testStack } from '../../integration/fixtures/gateway.ts';

const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
const VALID = Object.fromEntries(schema.features.map((f) => [f.name, f.default]));
const TIMEOUTS = { headersMs: 400, requestMs: 700, keepAliveMs: 400 };
const MAX_BODY = 4096;

/**
 * Request hygiene on a real listening socket (timeouts only exist on sockets): slowloris
 * headers, a body shorter than its Content-Length, idle keep-alives; and body decoding
 * (gzip, other encodings, prototype-poisoning keys). Triton is a closed port: valid requests
 * are answered by the default tier.
 */
describe('request hygiene', () => {
  const stack = testStack((s) => {
    s.models[0]!.deadline = '20ms';
  });
  const triton = new TritonClient({ url: 'http://127.0.0.1:9', timeoutMs: 50 });
  const gateway = new InferenceGateway({
    stack,
    schemas: new Map([['fraud', schema]]),
    triton,
    store: new MemoryPredictionStore(1000),
    metrics: createGatewayMetrics(),
  });
  const server = buildGatewayServer(gateway, {
    maxBodyBytes: MAX_BODY,
    maxBatch: 32,
    maxInflight: 1000,
    adminToken: 't',
    timeouts: TIMEOUTS,
  });
  let port = 0;
  beforeAll(async () => {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    port = (server.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await server.app.close();
    await triton.close();
  });

  /** Opens a raw connection, writes `head`, and resolves with what came back and when the server closed it. */
  function rawExchange(head: string, drip?: { every: number; text: string }) {
    return new Promise<{ closedAfterMs: number; response: string }>((resolve, reject) => {
      const start = performance.now();
      const socket: Socket = connect(port, '127.0.0.1');
      let response = '';
      let timer: NodeJS.Timeout | undefined;
      socket.on('connect', () => {
        socket.write(head);
        if (drip) timer = setInterval(() => socket.write(drip.text), drip.every);
      });
      socket.on('data', (d) => {
        response += d.toString();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ closedAfterMs: performance.now() - start, response });
      });
      setTimeout(() => {
        socket.destroy();
        reject(new Error(`the server kept the connection open for 10 s; response so far: ${response}`));
      }, 10_000);
    });
  }

  it('closes a request whose body is shorter than its Content-Length at the request timeout (408)', async () => {
    const body = '{"user_id":"u"';
    const { closedAfterMs, response } = await rawExchange(
      `POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n${body}`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(TIMEOUTS.requestMs - 50);
    expect(closedAfterMs).toBeLessThan(TIMEOUTS.requestMs + 1_500);
  });

  it('closes a slowloris connection that drips its headers, at the headers timeout', async () => {
    const { closedAfterMs } = await rawExchange('POST /v1/predict HTTP/1.1\r\nHost: x\r\n', {
      every: 50,
      text: 'X-a: b\r\n',
    });
    expect(closedAfterMs).toBeGreaterThanOrEqual(TIMEOUTS.headersMs - 50);
    expect(closedAfterMs).toBeLessThan(TIMEOUTS.headersMs + 1_500);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { closedAfterMs, response } = await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(TIMEOUTS.keepAliveMs - 50);
    expect(closedAfterMs).toBeLessThan(TIMEOUTS.keepAliveMs + 1_500);
  });

  const post = (payload: Buffer | string, headers: Record<string, string> = {}, url = '/v1/predict') =>
    server.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', ...headers } });

  it('decodes a gzip body on /v1/predict and on KServe infer', async () => {
    const v1 = await post(gzipSync(JSON.stringify({ user_id: 'u', features: VALID })), { 'content-encoding': 'gzip' });
    expect(v1.statusCode).toBe(200);
    expect(v1.json().served_by).toBe('default');
    const row = encodeFeatures(schema, VALID);
    const infer = await post(
      gzipSync(
        JSON.stringify({ inputs: [{ name: schema.input, shape: [1, row.length], datatype: 'FP32', data: row }] }),
      ),
      { 'content-encoding': 'gzip' },
      '/v2/models/fraud/infer',
    );
    expect(infer.statusCode, infer.body).toBe(200);
  });

  it('answers a zip bomb with 413: the body limit applies to the decoded bytes', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * MAX_BODY, 0x20));
    expect(bomb.length).toBeLessThan(MAX_BODY);
    const res = await post(bomb, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatch(/exceeds 4096 bytes once decoded/);
  });

  it('answers a body that is not gzip but says so with a 400 naming Content-Encoding', async () => {
    const res = await post('{"user_id":"u"}', { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'Content-Encoding' });
    expect(res.json().error).toMatch(/not valid gzip/);
  });

  it('refuses other encodings with 415 naming the supported ones, on both paths', async () => {
    for (const url of ['/v1/predict', '/v2/models/fraud/infer']) {
      const res = await post('{}', { 'content-encoding': 'br' }, url);
      expect(res.statusCode).toBe(415);
      expect(res.json().error).toMatch(/"br" is not supported; send the body as gzip or identity/);
    }
  });

  it('names a __proto__ or constructor key as prototype poisoning, not as invalid JSON', async () => {
    const proto = await post('{"user_id":"u","features":{"__proto__":{"x":1}}}');
    expect(proto.statusCode).toBe(400);
    expect(proto.json().error).toMatch(/"__proto__" key, refused as a prototype-poisoning key/);
    expect(proto.json().error).not.toMatch(/valid JSON/);
    const ctor = await post('{"user_id":"u","constructor":{"prototype":{"x":1}}}');
    expect(ctor.statusCode).toBe(400);
    expect(ctor.json().error).toMatch(/"constructor" key, refused as a prototype-poisoning key/);
    const kserve = await post('{"inputs":[],"__proto__":{"x":1}}', {}, '/v2/models/fraud/infer');
    expect(kserve.statusCode).toBe(400);
    expect(kserve.json().error).toMatch(/"__proto__" key, refused as a prototype-poisoning key/);
    const escaped = await post('{"user_id":"u","\\u005f_proto__":{}}');
    expect(escaped.json().error).toMatch(/prototype-poisoning/);
    const broken = await post('{"user_id":');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toMatch(/^the body is not valid JSON \(/);
  });

  it('validates the timeouts in the spec: positive, and headers within the request timeout', () => {
    const base = { models: [{ name: 'fraud', variants: [{ name: 'v1', tritonModel: 'fraud_v1', weight: 100 }] }] };
    const parse = (gateway: Record<string, unknown>) => stackSpec.safeParse({ ...base, gateway });
    expect(parse({}).success).toBe(true);
    const inverted = parse({ headersTimeout: '20s', requestTimeout: '10s' });
    expect(inverted.success).toBe(false);
    expect(JSON.stringify(inverted.error?.issues)).toMatch(/headersTimeout 20s is longer than requestTimeout 10s/);
    const zero = parse({ keepAliveTimeout: '0s' });
    expect(JSON.stringify(zero.error?.issues)).toMatch(/must be longer than 0/);
  });
});
