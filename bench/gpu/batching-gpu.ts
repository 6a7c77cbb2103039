/**
 * The GPU batching check (run by bench/gpu/batching-gpu.sh on a machine with an NVIDIA GPU and
 * a tritonserver that has the onnxruntime backend, e.g. NGC nvcr.io/nvidia/tritonserver:24.10-py3
 * = Triton 2.51). The production configuration, serving/model_repository_gpu (onnxruntime on
 * KIND_GPU, TensorRT FP16, playbook batching: preferred 8/16/32, 10 ms, max 32), is measured:
 *   1. batching on vs off (same model.onnx, config without dynamic_batching), closed loop of
 *      `--concurrency` single-row requests, `--rounds` alternating rounds of `--seconds`;
 *   2. the adaptive controller (limits 32..64, 1 s interval) on vs off across a high phase
 *      (`--high` in flight) and a low phase (4 in flight).
 * Per run: throughput, p50/p99, average batch (Triton's stats), GPU utilization (mean of
 * Triton's nv_gpu_utilization sampled every 500 ms). Writes JSON to --out.
 *
 * Options: --tritonserver /opt/tritonserver/bin/tritonserver --out batching-gpu.json
 *          --concurrency 64 --seconds 10 --rounds 2 --high 256
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { readDatasetCsv } from '../../src/adapters/files/dataset-csv.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { spawnSupervised, waitReady } from '../../src/adapters/process/supervisor.ts';
import { TritonClient } from '../../src/adapters/triton/client.ts';
import { sumSamples } from '../../src/adapters/triton/metrics-text.ts';
import { encodeFeatures, featureSchemaFile } from '../../src/core/spec/feature-schema.ts';
import { BatchingController } from '../../src/services/batching/controller.ts';
import { tritonBatchingPort } from '../../src/services/batching/triton-batching-port.ts';
import { buildVariantRepository } from '../lib/batching-repository.ts';
import { runClosedLoop } from '../lib/closed-loop.ts';
import { statsDelta } from '../lib/triton-stats.ts';

const { values } = parseArgs({
  options: {
    tritonserver: { type: 'string', default: '/opt/tritonserver/bin/tritonserver' },
    out: { type: 'string', default: 'batching-gpu.json' },
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    high: { type: 'string', default: '256' },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const high = Number(values.high);

const gpuRepo = join(paths.root(), 'serving', 'model_repository_gpu');
const schema = featureSchemaFile.parse(
  JSON.parse((await import('node:fs')).readFileSync(join(gpuRepo, 'feature_schema.json'), 'utf8')),
);
const rows = readDatasetCsv(join(paths.root(), 'serving', 'data', 'test.csv'), schema, 1024).map((r) =>
  encodeFeatures(schema, r.features),
);
const repo = buildVariantRepository(gpuRepo, 'fraud_v1', { off: 'off' });
const on = 'fraud_v1';
const off = repo.names.off as string;
const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
const server = await spawnSupervised({
  what: 'tritonserver (GPU)',
  command: values.tritonserver,
  args: [
    `--model-repository=${repo.dir}`,
    `--http-port=${ports.http}`,
    `--grpc-port=${ports.grpc}`,
    `--metrics-port=${ports.metrics}`,
    '--model-control-mode=explicit',
    `--load-model=${on}`,
    `--load-model=${off}`,
    '--allow-gpu-metrics=true',
    '--metrics-interval-ms=500',
  ],
  output: { file: join(repo.dir, 'tritonserver.log') },
});
const client = new TritonClient({
  url: `http://127.0.0.1:${ports.http}`,
  metricsUrl: `http://127.0.0.1:${ports.metrics}`,
  timeoutMs: 60_000,
  connections: high + 8,
});
const result: Record<string, unknown> = { started: new Date().toISOString(), tritonserver: values.tritonserver };
try {
  await waitReady(server, {
    what: 'tritonserver (GPU)',
    where: client.url,
    timeoutMs: 300_000,
    intervalMs: 500,
    probe: async () => (await client.isModelReady(on)) && (await client.isModelReady(off)),
  });
  let next = 0;
  const send = (model: string) => () => {
    const row = rows[next++ % rows.length] as number[];
    return client.infer(model, {
      inputs: [{ name: schema.input, shape: [1, row.length], datatype: 'FP32', data: row }],
    });
  };
  const measure = async (model: string, inFlight: number, durationMs: number) => {
    const util: number[] = [];
    const sampler = setInterval(() => {
      client
        .metrics()
        .then((m) => util.push(sumSamples(m, 'nv_gpu_utilization', {})))
        .catch(() => undefined);
    }, 500);
    const before = (await client.statistics(model))[0];
    const loop = await runClosedLoop({ concurrency: inFlight, durationMs, send: send(model) });
    clearInterval(sampler);
    const after = (await client.statistics(model))[0];
    const d = after ? statsDelta(before, after) : undefined;
    return {
      rps: loop.throughputRps,
      p50_ms: loop.p50Ms,
      p99_ms: loop.p99Ms,
      errors: loop.errors,
      avg_batch: d?.avgBatch,
      queue_ms: d?.queueMs,
      compute_infer_ms: d?.computeInferMs,
      gpu_utilization: util.length ? median(util) : null,
    };
  };
  // TensorRT builds its engine on first use: warm both before measuring.
  for (const m of [on, off]) await measure(m, concurrency, 5_000);
  const pairs: Record<string, unknown>[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [on, off] : [off, on];
    const r: Record<string, unknown> = {};
    for (const m of order) r[m === on ? 'on' : 'off'] = await measure(m, concurrency, seconds * 1000);
    pairs.push(r);
  }
  result.batching = { concurrency, seconds, rounds: pairs };

  const port = tritonBatchingPort(client);
  const shipped = await port.setting(on);
  const adaptive: Record<string, unknown> = {};
  for (const controller of [false, true]) {
    await port.apply(on, shipped);
    const stop = new AbortController();
    const ctl = controller
      ? new BatchingController({
          model: on,
          port,
          limits: {
            minBatchSize: 32,
            maxBatchSize: 64,
            minQueueDelayUs: 1000,
            maxQueueDelayUs: 10_000,
            raiseAboveFill: 0.6,
            lowerBelowFill: 0.2,
            minRequestsPerSecond: 20,
            sustain: 2,
            cooldownIntervals: 2,
          },
        })
      : undefined;
    if (ctl) await ctl.start();
    const loop = ctl?.run(1000, stop.signal);
    const highPhase = await measure(on, high, seconds * 1000);
    const lowPhase = await measure(on, 4, seconds * 1000);
    stop.abort();
    await loop;
    adaptive[controller ? 'controller_on' : 'controller_off'] = {
      high: highPhase,
      low: lowPhase,
      changes: ctl?.decisions.filter((d) => d.applied).map((d) => `${d.direction} ${d.next.maxBatchSize}`) ?? [],
    };
  }
  result.adaptive = adaptive;
} finally {
  result.finished = new Date().toISOString();
  writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  await client.close();
  await server.stop(15_000);
}
