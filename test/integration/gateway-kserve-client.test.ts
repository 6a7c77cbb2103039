/**
 * Triton's official Python client (tritonclient[http], bench/peers/requirements.txt) against the
 * real gateway in front of a real Triton: the client must not notice it is not talking to Triton.
 * JSON and binary tensors, batches of 1, 8 and 32, scores bit-equal to Triton's own; server
 * metadata, version paths; out-of-range values refused with a 400 naming the field.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/adapters/process/paths.ts';
import type { TritonInstance } from '../../src/adapters/process/triton-server.ts';
import { TritonClient } from '../../src/adapters/triton/client.ts';
import { encodeFeatures } from '../../src/core/spec/feature-schema.ts';
import { loadFeatureSchema, type RunningGateway } from '../../src/gateway/start.ts';
import { MAX_FEATURE_MAGNITUDE } from '../../src/gateway/validation/feature-range.ts';
import { FRAUDY_FEATURES, featuresFor, predict, startTestGateway, testStack } from './fixtures/gateway.ts';
import { startTestTriton, stopTestTriton } from './fixtures/triton.ts';

const schema = loadFeatureSchema(paths.featureSchema());
const NUMERIC = schema.features.flatMap((f, i) => (f.type === 'numeric' ? [i] : []));
const rowsFrom = (start: number, n: number) =>
  Array.from({ length: n }, (_, i) => encodeFeatures(schema, featuresFor(start + i)));
const withAmount = (amount: number) => [encodeFeatures(schema, { ...FRAUDY_FEATURES, amount })];

interface Report {
  server_metadata: { name: string; version: string; extensions: string[] };
  server_live: boolean;
  server_ready: boolean;
  model_metadata: { name: string; versions: string[] };
  version_metadata: { name: string; versions: string[] };
  version_ready: boolean;
  comparisons: {
    batch: number;
    binary: boolean;
    version: string;
    variant: string;
    served_by: string;
    id: string;
    dtype: string;
    shape: number[];
    label_dtype: string;
    equal: boolean;
    max_abs_diff: number;
  }[];
  default_outputs: string[][];
  refusals: { name: string; status: string; message: string }[];
}

async function inferenceCount(client: TritonClient): Promise<number> {
  const stats = await client.statistics();
  return stats.reduce((sum, s) => sum + (s.inference_count ?? 0), 0);
}

describe('the official Triton client against the gateway', () => {
  let triton: TritonInstance;
  let client: TritonClient;
  let gw: RunningGateway;
  let report: Report;

  beforeAll(async () => {
    triton = await startTestTriton(['fraud_v1', 'fraud_v2', 'fraud_fallback']);
    client = new TritonClient({ url: triton.url, timeoutMs: 10_000 });
    gw = await startTestGateway(
      triton.url,
      testStack((s) => {
        // Equality with Triton needs the primary's answer: a deadline no busy CI machine misses.
        s.models[0]!.deadline = '10s';
        s.resilience.slowCall = '10s';
        s.models[0]!.variants = [
          { name: 'v1', tritonModel: 'fraud_v1', weight: 50 },
          { name: 'v2', tritonModel: 'fraud_v2', weight: 50 },
        ];
      }),
    );
    const cases = {
      triton_models: { v1: 'fraud_v1', v2: 'fraud_v2' },
      batches: [
        { id: 'b1', rows: rowsFrom(100, 1) },
        { id: 'b8', rows: rowsFrom(200, 8) },
        { id: 'b32', rows: rowsFrom(300, 32) },
        { id: 'b8-v1', rows: rowsFrom(400, 8), version: 'v1' },
        { id: 'b32-v2', rows: rowsFrom(500, 32), version: 'v2' },
      ],
      refusals: [
        { name: 'binary 3.4e38', binary: true, rows: withAmount(3.4e38) },
        { name: 'json 3.4e38', binary: false, rows: withAmount(3.4e38) },
        { name: 'binary 1e39 (float32 +inf)', binary: true, rows: withAmount(1e39) },
      ],
    };
    const hostPort = (url: string) => new URL(url).host;
    // Asynchronously: the gateway under test answers from this very event loop.
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        paths.peersPython(),
        [join(paths.root(), 'test/integration/fixtures/kserve_client.py'), hostPort(gw.url), hostPort(triton.url)],
        { encoding: 'utf8', timeout: 120_000 },
        (error, stdout, stderr) =>
          error
            ? reject(
                new Error(
                  `the tritonclient script failed (${paths.peersPython()}; scripts/setup.sh installs bench/peers/requirements.txt): ${error.message}\n${stderr}`,
                ),
              )
            : resolve(stdout),
      );
      child.stdin?.end(JSON.stringify(cases));
    });
    report = JSON.parse(out) as Report;
  }, 240_000);

  afterAll(async () => {
    await gw?.close();
    await client?.close();
    await stopTestTriton(triton);
  });

  it('reads server metadata, health and model metadata, with and without a version', () => {
    expect(report.server_metadata).toMatchObject({ name: 'steadystate-gateway', extensions: ['binary_tensor_data'] });
    expect(report.server_metadata.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.server_live).toBe(true);
    expect(report.server_ready).toBe(true);
    expect(report.model_metadata).toMatchObject({ name: 'fraud', versions: ['v1', 'v2'] });
    expect(report.version_metadata).toMatchObject({ name: 'fraud', versions: ['v1', 'v2'] });
    expect(report.version_ready).toBe(true);
  });

  it('scores equal Triton direct, bit for bit, in JSON and binary, for batches of 1, 8 and 32', () => {
    expect(report.comparisons).toHaveLength(10);
    for (const c of report.comparisons) {
      expect(c, JSON.stringify(c)).toMatchObject({ equal: true, max_abs_diff: 0, dtype: 'float32' });
      expect(c.shape).toEqual([c.batch, 1]);
      expect(c.label_dtype).toBe('int32');
      expect(['primary', 'cache']).toContain(c.served_by);
    }
    expect(new Set(report.comparisons.map((c) => c.batch))).toEqual(new Set([1, 8, 32]));
    expect(report.comparisons.filter((c) => c.binary)).toHaveLength(5);
    // The request id the client sent comes back; a version path pins the variant.
    expect(report.comparisons.map((c) => c.id)).toContain('b32');
    for (const c of report.comparisons.filter((c) => c.version !== '')) expect(c.variant).toBe(c.version);
  });

  it('answers every output, in binary, when the client names none (binary_data_output)', () => {
    expect(report.default_outputs).toEqual(report.default_outputs.map(() => ['label', 'score']));
  });

  it('refuses values beyond the float32-safe range with a 400 naming the field (binary and JSON tensors)', () => {
    expect(report.refusals).toHaveLength(3);
    for (const r of report.refusals) {
      expect(r.status, r.name).toBe('400');
      expect(r.message, r.name).toMatch(/inputs\[0\]\.data\[0\] \(row 0, amount\)/);
    }
  });

  it.each([
    ['/v1/predict, 1e39', '/v1/predict', { user_id: 'u', features: { ...FRAUDY_FEATURES, amount: 1e39 } }],
    ['/v1/predict, 3.4e38', '/v1/predict', { user_id: 'u', features: { ...FRAUDY_FEATURES, amount: 3.4e38 } }],
    [
      'KServe JSON, 1e39',
      '/v2/models/fraud/infer',
      { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 13], data: withAmount(1e39)[0] }] },
    ],
  ])('%s is a 400 naming the field, before Triton', async (_name, path, body) => {
    const before = await inferenceCount(client);
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { error: string; field: string };
    expect(res.status).toBe(400);
    expect(answer.field).toMatch(/^(features\.amount|inputs\[0\]\.data)$/);
    expect(answer.error).toMatch(/amount.*within \+\/-1e\+30/);
    expect(await inferenceCount(client)).toBe(before);
  });

  it('takes an infer body with no Content-Type as JSON (the official client sends none)', async () => {
    const body = new TextEncoder().encode(
      JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 13], data: rowsFrom(900, 1)[0] }] }),
    );
    const res = await fetch(`${gw.url}/v2/models/fraud/infer`, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outputs: { name: string }[] }).outputs.map((o) => o.name)).toEqual([
      'score',
      'label',
    ]);
  });

  it('why the limit: at +/-1e30 in every feature every model is finite; at 3e38 fraud_v1 is not', async () => {
    const base = encodeFeatures(schema, FRAUDY_FEATURES);
    const at = (v: number) => base.map((x, i) => (NUMERIC.includes(i) ? v : x));
    for (const model of ['fraud_v1', 'fraud_v2', 'fraud_fallback']) {
      for (const v of [MAX_FEATURE_MAGNITUDE, -MAX_FEATURE_MAGNITUDE]) {
        const res = await client.infer(model, {
          inputs: [{ name: 'features', shape: [1, 13], datatype: 'FP32', data: at(v) }],
        });
        expect(Number.isFinite(res.outputs[0]?.data[0]), `${model} at ${v}`).toBe(true);
      }
    }
    // Triton writes the NaN score into its JSON, which no JSON parser accepts.
    await expect(
      client.infer('fraud_v1', { inputs: [{ name: 'features', shape: [1, 13], datatype: 'FP32', data: at(3e38) }] }),
    ).rejects.toThrow(/NaN|JSON/);
    expect((await predict(gw.url, 'limit-user', { ...FRAUDY_FEATURES, amount: MAX_FEATURE_MAGNITUDE })).status).toBe(
      200,
    );
  });
});
