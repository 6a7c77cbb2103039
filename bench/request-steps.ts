/**
 * `npm run bench -- request-steps --json` (issue 18, part 2): what each per-request step of the
 * gateway costs, in nanoseconds of CPU per call, measured in-process (no load generator, so
 * the 2 shared cores do not blur it): the cache key (a one-row input's float32 bytes), the
 * request id (UUID), the Prometheus label handling (a labelled inc/observe vs a pre-bound
 * child vs the tallies the gateway uses), the feature-bin tally, body parsing and validation, and the HTTP plumbing (a fastify route vs a bare
 * node:http handler, an undici round trip) through loopback. Each figure is the median of 5
 * timed batches after a warm-up.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { Pool } from 'undici';
import { paths } from '../src/adapters/process/paths.ts';
import { DURATION_BUCKETS } from '../src/core/metrics/names.ts';
import { featureSchemaFile } from '../src/core/spec/feature-schema.ts';
import { predictionCacheKey } from '../src/gateway/cache/key.ts';
import { parseJsonBody } from '../src/gateway/http/json-body.ts';
import { HistogramTally, LabelTally } from '../src/gateway/label-tally.ts';
import { decodePredictRequest } from '../src/gateway/validation/predict-request.ts';
import { median, round, SAMPLE_FEATURES, SAMPLE_ROW } from './_support.ts';

const BATCHES = 5;

/** ns of wall time per call of `fn` (single-threaded, CPU-bound: wall = CPU here). */
function perCall(fn: (i: number) => unknown, calls: number): number {
  for (let i = 0; i < Math.min(calls, 20_000); i++) fn(i); // warm-up: JIT
  const samples: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn(i);
    samples.push(Number(process.hrtime.bigint() - t0) / calls);
  }
  return round(median(samples), 1);
}

/** Server-process CPU (user + system) per request, in µs, for `requests` sequential-in-waves calls over keep-alive. */
async function httpCpuPerRequest(
  listen: (port: number) => Promise<{ close(): Promise<void> }>,
  requests: number,
  body: string,
): Promise<{ server_and_client_cpu_us: number; wall_us: number }> {
  const port = 40_000 + Math.floor(Math.random() * 10_000);
  const server = await listen(port);
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8 });
  const once = async () => {
    const res = await pool.request({
      path: '/v1/predict',
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    await res.body.text();
  };
  const wave = async (n: number) => {
    for (let i = 0; i < n; i += 16) await Promise.all(Array.from({ length: Math.min(16, n - i) }, once));
  };
  await wave(2_000);
  const samples: number[] = [];
  const walls: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await wave(requests);
    const cpu = process.cpuUsage(cpu0);
    walls.push(((performance.now() - t0) * 1000) / requests);
    samples.push((cpu.user + cpu.system) / requests);
  }
  await pool.close();
  await server.close();
  return { server_and_client_cpu_us: round(median(samples), 1), wall_us: round(median(walls), 1) };
}

const ANSWER = {
  score: 0.9989956617355347,
  label: 1,
  model: 'fraud',
  variant: 'v1',
  served_by: 'cache',
  stale: false,
  request_id: '00000000-0000-0000-0000-000000000000',
  degraded: false,
};

export default async function run(): Promise<Record<string, unknown>> {
  const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
  const body = JSON.stringify({ user_id: 'hot-user', features: SAMPLE_FEATURES });
  const registry = new Registry();
  const requests = new Counter({
    name: 'r_total',
    help: 'h',
    labelNames: ['model', 'variant', 'served_by', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'd_seconds',
    help: 'h',
    labelNames: ['model', 'variant', 'served_by'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const boundRequests = requests.labels({ model: 'fraud', variant: 'v1', served_by: 'primary', code: '200' });
  const boundDuration = duration.labels({ model: 'fraud', variant: 'v1', served_by: 'primary' });
  const tally = new LabelTally(['model', 'feature', 'bin']);
  const durationTally = new HistogramTally(['model', 'variant', 'served_by'], DURATION_BUCKETS);
  const features = Object.keys(SAMPLE_FEATURES);
  const parsed = parseJsonBody(body);

  const steps_ns = {
    cache_key_one_row: perCall((i) => predictionCacheKey('fraud', 'v1', [[i, ...SAMPLE_ROW.slice(1)]]), 200_000),
    request_id_uuid: perCall(() => randomUUID(), 500_000),
    counter_inc_labelled: perCall(
      () => requests.inc({ model: 'fraud', variant: 'v1', served_by: 'primary', code: String(200) }),
      500_000,
    ),
    counter_inc_bound_child: perCall(() => boundRequests.inc(), 500_000),
    histogram_observe_labelled: perCall(
      (i) => duration.observe({ model: 'fraud', variant: 'v1', served_by: 'primary' }, (i % 100) / 1000),
      500_000,
    ),
    histogram_observe_bound_child: perCall((i) => boundDuration.observe((i % 100) / 1000), 500_000),
    histogram_observe_tally: perCall((i) => durationTally.observe((i % 100) / 1000, 'fraud', 'v1', 'primary'), 500_000),
    feature_bin_tally_13: perCall(() => {
      for (const f of features) tally.inc('fraud', f, '3');
    }, 200_000),
    json_parse_body: perCall(() => parseJsonBody(body), 200_000),
    validate_predict_body: perCall(() => decodePredictRequest(parsed, schema, false), 200_000),
    json_stringify_answer: perCall(() => JSON.stringify(ANSWER), 500_000),
  };

  const answerJson = JSON.stringify(ANSWER);
  const bare = await httpCpuPerRequest(
    (port) =>
      new Promise((resolve) => {
        const server = createServer((req, res) => {
          req.resume();
          req.on('end', () => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(answerJson);
          });
        });
        server.listen(port, '127.0.0.1', () =>
          resolve({ close: () => new Promise<void>((r) => server.close(() => r())) }),
        );
      }),
    20_000,
    body,
  );
  const fastify = await httpCpuPerRequest(
    async (port) => {
      const app = Fastify({ logger: false });
      app.post('/v1/predict', async () => ANSWER);
      await app.listen({ port, host: '127.0.0.1' });
      return { close: () => app.close() };
    },
    20_000,
    body,
  );
  return {
    note: 'steps_ns: ns per call in-process; http_*: CPU (client + server, same process) and wall per request over loopback, 16 in flight',
    steps_ns,
    http_bare_node: bare,
    http_fastify_parse_and_serialize: fastify,
    fastify_over_bare_cpu_us: round(fastify.server_and_client_cpu_us - bare.server_and_client_cpu_us, 1),
  };
}
