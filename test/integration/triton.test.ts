import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDatasetCsv } from '../../src/adapters/files/dataset-csv.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import type { TritonInstance } from '../../src/adapters/process/triton-server.ts';
import { TritonClient } from '../../src/adapters/triton/client.ts';
import { TritonError } from '../../src/adapters/triton/errors.ts';
import { sumSamples } from '../../src/adapters/triton/metrics-text.ts';
import { encodeFeatures, featureSchemaFile } from '../../src/core/spec/feature-schema.ts';
import { startTestTriton, stopTestTriton } from './fixtures/triton.ts';

const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
const MODELS = ['fraud_v1', 'fraud_v2', 'fraud_fallback'];

describe('the bundled Triton (nvidia-pytriton tritonserver) serving our models', () => {
  let triton: TritonInstance | undefined;
  let client: TritonClient;

  beforeAll(async () => {
    triton = await startTestTriton();
    client = new TritonClient({ url: triton.url, metricsUrl: triton.metricsUrl, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await client?.close();
    await stopTestTriton(triton);
  });

  it.each(MODELS)('%s predictions equal onnxruntime on the same 200 test rows (1e-6)', async (model) => {
    const rows = readDatasetCsv(join(paths.root(), 'serving', 'data', 'test.csv'), schema, 200).map((r) =>
      encodeFeatures(schema, r.features),
    );
    const reference = JSON.parse(
      execFileSync(paths.venvPython(), [join(import.meta.dirname, 'fixtures', 'onnx-reference.py')], {
        input: JSON.stringify({ model: join(paths.modelRepository(), model, '1', 'model.onnx'), rows }),
      }).toString(),
    ) as { scores: number[] };
    // Triton's max_batch_size is 32: send the rows as batches of 25.
    const scores: number[] = [];
    for (let i = 0; i < rows.length; i += 25) {
      const batch = rows.slice(i, i + 25);
      const res = await client.infer(model, {
        inputs: [{ name: 'features', shape: [batch.length, batch[0]!.length], datatype: 'FP32', data: batch.flat() }],
      });
      expect(res.outputs[0]?.shape).toEqual([batch.length, 1]);
      scores.push(...(res.outputs[0]?.data ?? []));
    }
    expect(scores).toHaveLength(200);
    for (let i = 0; i < scores.length; i++) expect(Math.abs(scores[i]! - reference.scores[i]!)).toBeLessThan(1e-6);
    // Not all equal: the model discriminates (the depth-4 fallback tree has at most 16 leaves).
    expect(new Set(scores.map((s) => s.toFixed(4))).size).toBeGreaterThan(4);
  });

  it('batches concurrent requests (nv_inference_exec_count < nv_inference_count)', async () => {
    const before = await client.metrics();
    const row = encodeFeatures(schema, Object.fromEntries(schema.features.map((f) => [f.name, f.default])));
    // 8 waves of 32 concurrent single-row requests. On a starved CPU the 200 ms queue policy
    // may reject a few (HTTP 503, by design): count what Triton served, from its own counters.
    let served = 0;
    for (let wave = 0; wave < 8; wave++) {
      const results = await Promise.allSettled(
        Array.from({ length: 32 }, () =>
          client.infer('fraud_v1', {
            inputs: [{ name: 'features', shape: [1, row.length], datatype: 'FP32', data: row }],
          }),
        ),
      );
      for (const r of results) {
        if (r.status === 'fulfilled') served++;
        else expect((r.reason as TritonError).status).toBe(503);
      }
    }
    expect(served).toBeGreaterThan(200);
    const after = await client.metrics();
    const count =
      sumSamples(after, 'nv_inference_count', { model: 'fraud_v1' }) -
      sumSamples(before, 'nv_inference_count', { model: 'fraud_v1' });
    const execs =
      sumSamples(after, 'nv_inference_exec_count', { model: 'fraud_v1' }) -
      sumSamples(before, 'nv_inference_exec_count', { model: 'fraud_v1' });
    expect(count).toBe(served);
    expect(execs).toBeLessThan(count);
    const stats = await client.statistics('fraud_v1');
    expect(stats[0]?.inference_count).toBeGreaterThan(stats[0]?.execution_count ?? Number.POSITIVE_INFINITY);
  });

  it('an unloaded model is not ready and serves nothing; loading brings it back', async () => {
    await client.unloadModel('fraud_fallback');
    await expect.poll(() => client.isModelReady('fraud_fallback'), { timeout: 20_000 }).toBe(false);
    const row = encodeFeatures(schema, {});
    await expect(
      client.infer('fraud_fallback', {
        inputs: [{ name: 'features', shape: [1, row.length], datatype: 'FP32', data: row }],
      }),
    ).rejects.toBeInstanceOf(TritonError);
    await expect
      .poll(async () => (await client.repositoryIndex()).find((m) => m.name === 'fraud_fallback')?.state, {
        timeout: 20_000,
      })
      .toBe('UNAVAILABLE');
    await client.loadModel('fraud_fallback');
    expect(await client.isModelReady('fraud_fallback')).toBe(true);
  });

  it.each([
    ['a wrong shape', { name: 'features', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }],
    ['a wrong datatype', { name: 'features', shape: [1, 13], datatype: 'INT64', data: new Array(13).fill(1) }],
    ['a missing input', { name: 'not_features', shape: [1, 13], datatype: 'FP32', data: new Array(13).fill(1) }],
  ] as const)("a request with %s is a typed 400 carrying Triton's message", async (_case, input) => {
    const error = await client
      .infer('fraud_v1', { inputs: [{ ...input, shape: [...input.shape], data: [...input.data] }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TritonError);
    expect((error as TritonError).status).toBe(400);
    expect((error as TritonError).isClientError).toBe(true);
    expect((error as TritonError).tritonMessage.length).toBeGreaterThan(5);
    // The server survived it.
    expect(await client.isModelReady('fraud_v1')).toBe(true);
  });

  it('reports model metadata and the decision threshold from the config', async () => {
    const meta = await client.modelMetadata('fraud_v2');
    expect(meta.inputs[0]).toMatchObject({ name: 'features', datatype: 'FP32', shape: [-1, 13] });
    const config = await client.modelConfig('fraud_v2');
    expect(config.max_batch_size).toBe(32);
    expect(Number(config.parameters?.decision_threshold?.string_value)).toBeCloseTo(
      schema.models.fraud_v2!.decision_threshold,
      6,
    );
  });
});
