/**
 * `npm run bench -- batching --json`: Triton's dynamic batching on vs off, per configuration,
 * same Triton, same run. One tritonserver serves four copies of the same model.onnx/model.py:
 *   local_on / local_off: the local CPU configuration as shipped in serving/model_repository
 *     (2 instances, max_queue_delay 1 ms, no preferred sizes), and the same without
 *     dynamic_batching;
 *   playbook_on / playbook_off: the playbook's (and serving/model_repository_gpu's) batching,
 *     1 instance, preferred 8/16/32, 10 ms window, and the same without dynamic_batching.
 * A closed loop of `--concurrency` single-row requests drives each for `--seconds`; every round
 * runs all four, in an order that rotates, `--runs` rounds. Figures are medians over rounds,
 * ratios on/off are medians of the per-round ratios (each pair ran within one round, so load
 * from other processes on this shared machine mostly cancels) with their spread (max - min).
 * Latency percentiles include rejected requests (the queue policy rejects after 200 ms).
 * Average batch size = delta nv_inference_count / delta nv_inference_exec_count from Triton's
 * own metrics (ARCHITECTURE.md, metric contract).
 *
 * Options: --concurrency 32 --seconds 5 --runs 5 --warmup 2 --model fraud_v1
 */
import { readFileSync, rmSync } from 'node:fs';
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
import { buildVariantRepository } from './lib/batching-repository.ts';
import { type ClosedLoopResult, runClosedLoop } from './lib/closed-loop.ts';

interface ModeRun extends ClosedLoopResult {
  avgBatchSize: number;
}

/** The playbook's batching (= the GPU repository's), on the local CPU backend. */
const PLAYBOOK = { instances: 1, maxQueueDelayUs: 10_000, preferredBatchSizes: [8, 16, 32] };
const MODES = ['local_on', 'local_off', 'playbook_on', 'playbook_off'] as const;
type Mode = (typeof MODES)[number];

export default async function batching(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      concurrency: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '5' },
      runs: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      model: { type: 'string', default: 'fraud_v1' },
    },
  });
  const concurrency = positiveInt('concurrency', values.concurrency);
  const seconds = positiveNumber('seconds', values.seconds);
  const runs = positiveInt('runs', values.runs);
  const warmupSeconds = positiveNumber('warmup', values.warmup);

  const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
  const rows = readDatasetCsv(join(paths.root(), 'serving', 'data', 'test.csv'), schema, 1024).map((r) =>
    encodeFeatures(schema, r.features),
  );
  const repository = buildVariantRepository(paths.modelRepository(), values.model, {
    local_off: { dynamicBatching: false },
    playbook_on: PLAYBOOK,
    playbook_off: { dynamicBatching: false, instances: 1 },
  });
  const modelOf = (mode: Mode) => (mode === 'local_on' ? values.model : (repository.names[mode] as string));
  let triton: TritonInstance | undefined;
  let client: TritonClient | undefined;
  const loadavg = [readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')];
  try {
    const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
    triton = await startTriton({ ports, modelRepository: repository.dir, models: MODES.map(modelOf) });
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

    for (const mode of MODES) await measure(modelOf(mode), warmupSeconds * 1000);
    const results: Record<Mode, ModeRun[]> = { local_on: [], local_off: [], playbook_on: [], playbook_off: [] };
    for (let i = 0; i < runs; i++) {
      // Rotate the order so no mode always runs on a warmer (or more throttled) machine.
      const order = MODES.map((_, k) => MODES[(k + i) % MODES.length] as Mode);
      for (const mode of order) results[mode].push(await measure(modelOf(mode), seconds * 1000));
    }
    loadavg.push(readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '));
    const summary = (r: ModeRun[]) => ({
      throughput_rps: round(median(r.map((x) => x.throughputRps))),
      p50_ms: round(median(r.map((x) => x.p50Ms))),
      p99_ms: round(median(r.map((x) => x.p99Ms))),
      max_ms: round(Math.max(...r.map((x) => x.maxMs))),
      avg_batch_size: round(median(r.map((x) => x.avgBatchSize))),
      requests: r.reduce((s, x) => s + x.completed, 0),
      errors: r.reduce((s, x) => s + x.errors, 0),
      error_rate: round(r.reduce((s, x) => s + x.errors, 0) / r.reduce((s, x) => s + x.errors + x.completed, 0)),
      ...(r.some((x) => x.firstError) ? { first_error: r.find((x) => x.firstError)?.firstError } : {}),
    });
    const config = (on: ModeRun[], off: ModeRun[]) => ({
      batching_on: summary(on),
      batching_off: summary(off),
      throughput_ratio_on_over_off: pairedRatio(on, off, (r) => r.throughputRps),
      p99_ratio_on_over_off: pairedRatio(on, off, (r) => r.p99Ms),
      per_run: on.map((r, i) => ({
        on_rps: round(r.throughputRps),
        off_rps: round((off[i] as ModeRun).throughputRps),
        on_batch: round(r.avgBatchSize),
        on_errors: r.errors,
      })),
    });
    return {
      server: 'tritonserver 2.51 (nvidia-pytriton wheel), CPU, python backend running onnxruntime',
      model: values.model,
      concurrency,
      rows_per_request: 1,
      seconds_per_run: seconds,
      runs,
      local: {
        config: '2 instances, max_queue_delay 1 ms, no preferred sizes (serving/model_repository)',
        ...config(results.local_on, results.local_off),
      },
      playbook: {
        config: '1 instance, preferred 8/16/32, max_queue_delay 10 ms (the playbook; serving/model_repository_gpu)',
        ...config(results.playbook_on, results.playbook_off),
      },
      loadavg_start_end: loadavg,
      gpu: 'not measured: no NVIDIA GPU in this session (bench/gpu/batching-gpu.sh measures the production variant)',
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

/** Median of the per-round ratios and their spread (max - min), relative to the median. */
function pairedRatio(on: ModeRun[], off: ModeRun[], figure: (r: ModeRun) => number) {
  const ratios = on.map((r, i) => figure(r) / figure(off[i] as ModeRun));
  const m = median(ratios);
  return { median: round(m), min: round(Math.min(...ratios)), max: round(Math.max(...ratios)) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
