/**
 * `npm run bench -- batching --json`: Triton's dynamic batching on vs off, same model, same
 * Triton, same run. One tritonserver serves `fraud_v1` as shipped (dynamic_batching: preferred
 * 8/16/32, 10 ms window) and `fraud_v1_nobatch` (same model.onnx and model.py, no
 * dynamic_batching block). A closed loop of `--concurrency` single-row requests drives each for
 * `--seconds`, alternating which goes first, `--runs` times; figures are medians over runs,
 * ratios on/off are medians of the back-to-back pairs. Latency percentiles include rejected
 * requests (the queue policy rejects after 200 ms): the time until the client had an answer.
 * Average batch size = delta nv_inference_count / delta nv_inference_exec_count from Triton's
 * own metrics (ARCHITECTURE.md, metric contract).
 *
 * Options: --concurrency 32 --seconds 10 --runs 3 --warmup 3 --model fraud_v1
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { readDatasetCsv } from '../src/adapters/files/dataset-csv.ts';
import { paths } from '../src/adapters/process/paths.ts';
import { freePort } from '../src/adapters/process/ports.ts';
import { startTriton, stopTriton, type TritonInstance } from '../src/adapters/process/triton-server.ts';
import { TritonClient } from '../src/adapters/triton/client.ts';
import { sumSamples } from '../src/adapters/triton/metrics-text.ts';
import { encodeFeatures, featureSchemaFile } from '../src/core/spec/feature-schema.ts';
import { buildBatchingRepository } from './lib/batching-repository.ts';
import { type ClosedLoopResult, runClosedLoop } from './lib/closed-loop.ts';

interface ModeRun extends ClosedLoopResult {
  avgBatchSize: number;
}

export default async function batching(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      concurrency: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '10' },
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '3' },
      model: { type: 'string', default: 'fraud_v1' },
    },
  });
  const concurrency = positiveInt('concurrency', values.concurrency);
  const seconds = positiveNumber('seconds', values.seconds);
  const runs = positiveInt('runs', values.runs);
  const warmupSeconds = positiveNumber('warmup', values.warmup);

  const schema = featureSchemaFile.parse(JSON.parse(await readText(paths.featureSchema())));
  const rows = readDatasetCsv(join(paths.root(), 'serving', 'data', 'test.csv'), schema, 1024).map((r) =>
    encodeFeatures(schema, r.features),
  );
  const repository = buildBatchingRepository(paths.modelRepository(), values.model);
  let triton: TritonInstance | undefined;
  let client: TritonClient | undefined;
  try {
    const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
    triton = await startTriton({ ports, modelRepository: repository.dir, models: [repository.on, repository.off] });
    client = new TritonClient({
      url: triton.url,
      metricsUrl: triton.metricsUrl,
      timeoutMs: 10_000,
      connections: concurrency + 8,
    });
    const c = client;
    let next = 0;
    const send = (model: string) => () => {
      const row = rows[next++ % rows.length] as number[];
      return c.infer(model, { inputs: [{ name: schema.input, shape: [1, row.length], datatype: 'FP32', data: row }] });
    };
    const measure = async (model: string, durationMs: number): Promise<ModeRun> => {
      const before = await c.metrics();
      const loop = await runClosedLoop({ concurrency, durationMs, send: send(model) });
      const after = await c.metrics();
      const delta = (name: string) => sumSamples(after, name, { model }) - sumSamples(before, name, { model });
      const execs = delta('nv_inference_exec_count');
      return { ...loop, avgBatchSize: execs > 0 ? delta('nv_inference_count') / execs : Number.NaN };
    };

    for (const model of [repository.on, repository.off]) await measure(model, warmupSeconds * 1000);
    const on: ModeRun[] = [];
    const off: ModeRun[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate the order so neither mode always runs on a warmer (or more throttled) machine.
      const order = i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
      for (const mode of order) {
        if (mode === 'on') on.push(await measure(repository.on, seconds * 1000));
        else off.push(await measure(repository.off, seconds * 1000));
      }
    }
    const summary = (r: ModeRun[]) => ({
      throughput_rps: round(median(r.map((x) => x.throughputRps))),
      p50_ms: round(median(r.map((x) => x.p50Ms))),
      p99_ms: round(median(r.map((x) => x.p99Ms))),
      avg_batch_size: round(median(r.map((x) => x.avgBatchSize))),
      requests: r.reduce((s, x) => s + x.completed, 0),
      errors: r.reduce((s, x) => s + x.errors, 0),
      error_rate: round(r.reduce((s, x) => s + x.errors, 0) / r.reduce((s, x) => s + x.errors + x.completed, 0)),
      ...(r.some((x) => x.firstError) ? { first_error: r.find((x) => x.firstError)?.firstError } : {}),
    });
    const batchingOn = summary(on);
    const batchingOff = summary(off);
    return {
      server: 'tritonserver 2.51 (nvidia-pytriton wheel), CPU, python backend running onnxruntime, 1 instance',
      model: values.model,
      concurrency,
      rows_per_request: 1,
      seconds_per_run: seconds,
      runs,
      batching_on: batchingOn,
      batching_off: batchingOff,
      // Ratios are medians of the per-run pairs: each pair ran back to back, so load from
      // other processes on this shared machine mostly cancels within a pair.
      throughput_ratio_on_over_off: pairedRatio(on, off, (r) => r.throughputRps),
      p50_ratio_on_over_off: pairedRatio(on, off, (r) => r.p50Ms),
      p99_ratio_on_over_off: pairedRatio(on, off, (r) => r.p99Ms),
      per_run: on.map((r, i) => ({
        on_rps: round(r.throughputRps),
        off_rps: round((off[i] as ModeRun).throughputRps),
        on_batch: round(r.avgBatchSize),
        off_batch: round((off[i] as ModeRun).avgBatchSize),
      })),
      gpu: 'not measured: no NVIDIA GPU in this session (production variant serving/model_repository_gpu not run)',
    };
  } finally {
    await client?.close();
    if (triton) await stopTriton(triton);
    rmSync(repository.dir, { recursive: true, force: true });
  }
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} ${text}: expected a positive integer, e.g. 32`);
  return n;
}

function positiveNumber(name: string, text: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`--${name} ${text}: expected a positive number, e.g. 10`);
  return n;
}

async function readText(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(file, 'utf8');
}

function pairedRatio(on: ModeRun[], off: ModeRun[], figure: (r: ModeRun) => number): number {
  return round(median(on.map((r, i) => figure(r) / figure(off[i] as ModeRun))));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
