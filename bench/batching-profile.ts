/**
 * `npm run bench -- batching-profile --json`: why dynamic batching wins or loses on this
 * machine, from Triton's own per-model statistics (GET v2/models/<m>/stats). One tritonserver
 * serves `fraud_v1` as shipped and the variants below; a closed loop of single-row requests at
 * each `--levels` concurrency drives each model for `--seconds`, on/off alternating, and the
 * stats delta of each run gives per request: queue, compute_input, compute_infer,
 * compute_output (ms), executions, average batch and the per-batch-size compute_infer cost.
 * A second sweep sends one request of n rows (concurrency 1, batching off) to measure the
 * python backend's cost of one execution against its batch size: fixed cost + per-row cost.
 *
 * Options: --levels 1,8,32,128 --seconds 4 --model fraud_v1 --variants off,on,playbook,playbook_off
 *   (variant keys: on = as shipped, and those of bench/lib/cpu-variants.ts)
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDatasetCsv } from '../src/adapters/files/dataset-csv.ts';
import { paths } from '../src/adapters/process/paths.ts';
import { freePort } from '../src/adapters/process/ports.ts';
import { startTriton, stopTriton, type TritonInstance } from '../src/adapters/process/triton-server.ts';
import { TritonClient } from '../src/adapters/triton/client.ts';
import { encodeFeatures, featureSchemaFile } from '../src/core/spec/feature-schema.ts';
import { buildVariantRepository } from './lib/batching-repository.ts';
import { runClosedLoop } from './lib/closed-loop.ts';
import { CPU_VARIANTS } from './lib/cpu-variants.ts';
import { statsDelta } from './lib/triton-stats.ts';

export default async function batchingProfile(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      levels: { type: 'string', default: '1,8,32,128' },
      seconds: { type: 'string', default: '4' },
      model: { type: 'string', default: 'fraud_v1' },
      variants: { type: 'string', default: 'off,on,playbook,playbook_off' },
    },
  });
  const levels = values.levels.split(',').map(Number);
  if (levels.some((n) => !Number.isInteger(n) || n < 1))
    throw new RangeError(`--levels ${values.levels}: expected positive integers, e.g. 1,8,32,128`);
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new RangeError(`--seconds ${values.seconds}: expected a positive number, e.g. 4`);
  const keys = values.variants.split(',');
  for (const k of keys)
    if (k !== 'on' && !(k in CPU_VARIANTS))
      throw new RangeError(`--variants: unknown "${k}"; known: on, ${Object.keys(CPU_VARIANTS).join(', ')}`);

  const schema = featureSchemaFile.parse(
    JSON.parse(await (await import('node:fs/promises')).readFile(paths.featureSchema(), 'utf8')),
  );
  const rows = readDatasetCsv(join(paths.root(), 'serving', 'data', 'test.csv'), schema, 1024).map((r) =>
    encodeFeatures(schema, r.features),
  );
  const wanted = Object.fromEntries(keys.filter((k) => k !== 'on').map((k) => [k, CPU_VARIANTS[k]]));
  const repo = buildVariantRepository(paths.modelRepository(), values.model, wanted as never);
  const modelOf = (k: string) => (k === 'on' ? values.model : (repo.names[k] as string));
  let triton: TritonInstance | undefined;
  let client: TritonClient | undefined;
  try {
    const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
    triton = await startTriton({ ports, modelRepository: repo.dir, models: keys.map(modelOf) });
    client = new TritonClient({ url: triton.url, timeoutMs: 10_000, connections: Math.max(...levels) + 8 });
    const c = client;
    let next = 0;
    const send =
      (model: string, n = 1) =>
      () => {
        const data: number[] = [];
        for (let i = 0; i < n; i++) data.push(...(rows[next++ % rows.length] as number[]));
        return c.infer(model, {
          inputs: [{ name: schema.input, shape: [n, data.length / n], datatype: 'FP32', data }],
        });
      };
    const stats = async (model: string) => (await c.statistics(model))[0];
    const profile = async (model: string, concurrency: number, n = 1) => {
      const before = await stats(model);
      const loop = await runClosedLoop({ concurrency, durationMs: seconds * 1000, send: send(model, n) });
      const after = await stats(model);
      if (!after) throw new Error(`Triton has no statistics for ${model}`);
      const d = statsDelta(before, after);
      return {
        rps: r(loop.throughputRps * n),
        p50_ms: r(loop.p50Ms),
        p99_ms: r(loop.p99Ms),
        max_ms: r(loop.maxMs),
        errors: loop.errors,
        executions: d.executions,
        avg_batch: r(d.avgBatch),
        queue_ms: r(d.queueMs),
        compute_input_ms: r(d.computeInputMs),
        compute_infer_ms: r(d.computeInferMs),
        compute_output_ms: r(d.computeOutputMs),
        batch_histogram: Object.fromEntries(d.batches.map((b) => [b.size, b.executions])),
        infer_ms_per_execution_by_size: Object.fromEntries(d.batches.map((b) => [b.size, r(b.inferMsPerExecution)])),
      };
    };
    for (const k of keys) await runClosedLoop({ concurrency: 8, durationMs: 1500, send: send(modelOf(k)) });
    const byLevel: Record<string, Record<string, unknown>> = {};
    for (const [i, level] of levels.entries()) {
      const order = i % 2 === 0 ? keys : [...keys].reverse();
      const entry: Record<string, unknown> = {};
      for (const k of order) entry[k] = await profile(modelOf(k), level);
      byLevel[String(level)] = entry;
    }
    // The python backend's cost of one execution against its batch size (batching off, one
    // request of n rows at a time): fixed per-execution cost vs per-row cost.
    const offModel = keys.includes('off') ? modelOf('off') : modelOf(keys[0] as string);
    const perExecution: Record<string, unknown> = {};
    for (const n of [1, 8, 32]) {
      const p = await profile(offModel, 1, n);
      perExecution[String(n)] = {
        rows_per_s: p.rps,
        compute_infer_ms: p.compute_infer_ms,
        compute_input_ms: p.compute_input_ms,
        compute_output_ms: p.compute_output_ms,
        client_p50_ms: p.p50_ms,
      };
    }
    return {
      server: 'tritonserver 2.51 (nvidia-pytriton wheel), CPU, python backend running onnxruntime',
      model: values.model,
      seconds_per_run: seconds,
      variants: Object.fromEntries(keys.map((k) => [k, k === 'on' ? 'as shipped' : CPU_VARIANTS[k]])),
      by_concurrency: byLevel,
      python_backend_per_execution_by_rows: perExecution,
      loadavg: (await (await import('node:fs/promises')).readFile('/proc/loadavg', 'utf8')).trim(),
    };
  } finally {
    await client?.close();
    if (triton) await stopTriton(triton);
    rmSync(repo.dir, { recursive: true, force: true });
  }
}

function r(x: number): number {
  return Math.round(x * 1000) / 1000;
}
