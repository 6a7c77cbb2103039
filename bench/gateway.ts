/**
 * `npm run bench -- gateway --json` (issue 18, part 2): the gateway's cost per request, side
 * by side in the same run with nginx as a keep-alive reverse proxy, a bare Node proxy, a bare node:http handler
 * and Triton's own response cache; every figure is the median of `ROUNDS` alternating rounds.
 * One client for every path: undici keep-alive pools, through the project's one open-model
 * driver (src/services/load/open-load.ts) for the fixed-rate runs and the closed loop
 * (bench/lib/closed-loop.ts) for the saturation runs.
 * (a) Added latency over Triton direct at 500 req/s, cache off (every request reaches
 *     fraud_v1): Triton direct, nginx -> Triton, the bare Node proxy -> Triton (the tail any
 *     Node proxy adds here) and gateway -> Triton, p50 and p99.
 * (b) Proxy CPU per cache-miss request at saturation against a stub upstream (a bare
 *     node:http server answering a fixed KServe response), from /proc/<pid>/stat of the proxy
 *     process: gateway (memory cache on, every row distinct: a real miss, key + lookup +
 *     store) vs nginx and vs a bare Node proxy (node:http in, one undici Pool out, no gateway
 *     logic: the floor any Node proxy pays).
 * (c) Cache-miss throughput at saturation, same runs as (b).
 * (d) Cache-hit throughput: the gateway answering `/v1/predict` from its cache vs a bare
 *     node:http handler returning the same JSON vs Triton's response cache answering one
 *     repeated KServe request.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { startNginxProxy } from '../src/adapters/process/nginx-proxy.ts';
import { freePort } from '../src/adapters/process/ports.ts';
import { startTriton, stopTriton } from '../src/adapters/process/triton-server.ts';
import type { LoadRequest } from '../src/core/load/payload-mix.ts';
import { responseCacheArgs } from '../src/generators/k8s/triton.ts';
import { runOpenLoad } from '../src/services/load/open-load.ts';
import {
  everyRowToTritonV1,
  median,
  round,
  SAMPLE_FEATURES,
  SAMPLE_ROW,
  spawnGateway,
  specVariant,
} from './_support.ts';
import { runClosedLoop } from './lib/closed-loop.ts';
import { BARE_NODE_PROXY, BARE_PREDICT_HANDLER, STUB_TRITON, startScriptServer } from './lib/http-stubs.ts';

const ROUNDS = 3;
const RATE = 500;
const LATENCY_SECONDS = 8;
/** Unmeasured run per path before the latency rounds. */
const WARM_UP_SECONDS = 3;
const SATURATION_SECONDS = 6;
/** In-flight requests of the saturation runs (each path gets the same). */
const SATURATION_CONCURRENCY = 64;
/** Keep-alive connections of the 500 req/s runs, the same on every path. */
const LATENCY_CONNECTIONS = 10;
const PREDICT_BODY = JSON.stringify({ user_id: 'hot-user', features: SAMPLE_FEATURES });
const KSERVE_HOT = kserveBody(SAMPLE_ROW);

function kserveBody(row: number[]): string {
  return JSON.stringify({ inputs: [{ name: 'features', shape: [1, 13], datatype: 'FP32', data: row }] });
}

/** A distinct row per request, so neither a cache nor coalescing can help: every call is a miss. */
let counter = 0;
function uniqueKServe(): string {
  counter++;
  const row = [...SAMPLE_ROW];
  row[0] = 1 + (counter % 1_000_000) * 0.01;
  return kserveBody(row);
}

const KSERVE_REQUEST: LoadRequest = { userId: 'bench', features: {}, kind: 'fresh', fraudLike: false };

/** CPU time (user + system) a process has used, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** p50/p99 (ms, from the scheduled send time) of the 200 answers of one fixed-rate run. */
async function latencyRun(
  origin: string,
  path: string,
  seconds = LATENCY_SECONDS,
): Promise<{ p50: number; p99: number; non200: number }> {
  const result = await runOpenLoad({
    url: origin,
    path,
    ratePerSecond: RATE,
    durationMs: seconds * 1000,
    connections: LATENCY_CONNECTIONS,
    next: () => KSERVE_REQUEST,
    encode: uniqueKServe,
  });
  const ok = result.records
    .filter((r) => r.status === 200)
    .map((r) => r.latencyMs)
    .sort((a, b) => a - b);
  const at = (q: number) => ok[Math.min(ok.length - 1, Math.floor(q * ok.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), non200: result.records.length - ok.length };
}

/** Closed-loop saturation: answers/s and, when `pid` is given, that process's CPU µs per answer. */
async function saturate(
  origin: string,
  path: string,
  body: () => string,
  pid?: number,
): Promise<{ rps: number; cpuUs: number; errors: number }> {
  const pool = new Pool(origin, { connections: SATURATION_CONCURRENCY, pipelining: 1 });
  try {
    const send = async () => {
      const res = await pool.request({
        path,
        method: 'POST',
        body: body(),
        headers: { 'content-type': 'application/json' },
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} from ${origin}${path}`);
    };
    await runClosedLoop({ concurrency: SATURATION_CONCURRENCY, durationMs: 1_000, send }); // warm-up: JIT, connections
    const cpu0 = pid === undefined ? 0 : cpuMs(pid);
    const r = await runClosedLoop({ concurrency: SATURATION_CONCURRENCY, durationMs: SATURATION_SECONDS * 1000, send });
    const cpuUs = pid === undefined ? Number.NaN : ((cpuMs(pid) - cpu0) * 1000) / Math.max(1, r.completed);
    return { rps: r.throughputRps, cpuUs, errors: r.errors };
  } finally {
    await pool.close();
  }
}

const med = (xs: number[], digits = 3) => round(median(xs), digits);

export default async function run(): Promise<Record<string, unknown>> {
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();
  const figures: Record<string, unknown> = { rounds: ROUNDS };

  // (a) Added latency over Triton direct, cache off.
  const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
  const triton = await startTriton({ ports });
  const direct: { p50: number; p99: number; non200: number }[] = [];
  const viaNginx: typeof direct = [];
  const viaNodeProxy: typeof direct = [];
  const viaGateway: typeof direct = [];
  try {
    const nginx = await startNginxProxy({ port: await freePort(), upstream: triton.url });
    const nodeProxy = await startScriptServer('bare Node proxy', BARE_NODE_PROXY, triton.url);
    const gateway = await spawnGateway(specVariant(everyRowToTritonV1), await freePort(), triton.url);
    try {
      // Every path warmed first, as the saturation runs are: a process just started compiles
      // its hot path during the first seconds (the gateway's first round had a p99 about twice
      // the later rounds'), and the figure is the steady state a running service shows.
      // The floor of the tail any Node proxy adds here: two HTTP exchanges in one JS thread.
      const paths: [string, string, typeof direct][] = [
        [triton.url, '/v2/models/fraud_v1/infer', direct],
        [nginx.url, '/v2/models/fraud_v1/infer', viaNginx],
        [nodeProxy.url, '/v2/models/fraud_v1/infer', viaNodeProxy],
        [gateway.url, '/v2/models/fraud/infer', viaGateway],
      ];
      for (const [origin, path] of paths) await latencyRun(origin, path, WARM_UP_SECONDS);
      for (let i = 0; i < ROUNDS; i++) {
        for (const [origin, path, runs] of paths) runs.push(await latencyRun(origin, path));
      }
    } finally {
      await gateway.stop();
      await nodeProxy.stop();
      await nginx.stop();
    }
  } finally {
    await stopTriton(triton);
  }
  const added = (path: typeof direct, q: 'p50' | 'p99') =>
    med(path.map((x, i) => x[q] - (direct[i]?.[q] ?? Number.NaN)));
  figures.latency_at_500_rps = {
    triton_direct_p50_ms: med(direct.map((x) => x.p50)),
    triton_direct_p99_ms: med(direct.map((x) => x.p99)),
    nginx_added_p50_ms: added(viaNginx, 'p50'),
    nginx_added_p99_ms: added(viaNginx, 'p99'),
    bare_node_proxy_added_p50_ms: added(viaNodeProxy, 'p50'),
    bare_node_proxy_added_p99_ms: added(viaNodeProxy, 'p99'),
    gateway_added_p50_ms: added(viaGateway, 'p50'),
    gateway_added_p99_ms: added(viaGateway, 'p99'),
    target_gateway_added_p99_ms: 1,
    non200: {
      direct: direct.reduce((s, x) => s + x.non200, 0),
      nginx: viaNginx.reduce((s, x) => s + x.non200, 0),
      bare_node_proxy: viaNodeProxy.reduce((s, x) => s + x.non200, 0),
      gateway: viaGateway.reduce((s, x) => s + x.non200, 0),
    },
  };

  // (b, c, d) Against a stub upstream; the gateway's memory cache on (misses are real misses).
  const stub = await startScriptServer('stub Triton', STUB_TRITON);
  const bare = await startScriptServer('bare node:http handler', BARE_PREDICT_HANDLER);
  const nodeProxy = await startScriptServer('bare Node proxy', BARE_NODE_PROXY, stub.url);
  const gatewayMiss: { rps: number; cpuUs: number; errors: number }[] = [];
  const nginxMiss: typeof gatewayMiss = [];
  const nodeProxyMiss: typeof gatewayMiss = [];
  const hit: typeof gatewayMiss = [];
  const bareHit: typeof gatewayMiss = [];
  try {
    const nginx = await startNginxProxy({ port: await freePort(), upstream: stub.url });
    const cacheOn = specVariant((s) => {
      everyRowToTritonV1(s);
      s.cache = { ...s.cache, backend: 'memory' };
      s.gateway = { ...s.gateway, maxInflight: 10_000 };
    });
    const gateway = await spawnGateway(cacheOn, await freePort(), stub.url);
    try {
      const miss = '/v2/models/fraud/infer';
      for (let i = 0; i < ROUNDS; i++) {
        gatewayMiss.push(await saturate(gateway.url, miss, uniqueKServe, gateway.pid));
        nginxMiss.push(await saturate(nginx.url, '/v2/models/fraud_v1/infer', uniqueKServe, nginx.pid));
        nodeProxyMiss.push(await saturate(nodeProxy.url, '/v2/models/fraud_v1/infer', uniqueKServe, nodeProxy.pid));
        hit.push(await saturate(gateway.url, '/v1/predict', () => PREDICT_BODY, gateway.pid));
        bareHit.push(await saturate(bare.url, '/v1/predict', () => PREDICT_BODY, bare.pid));
      }
    } finally {
      await gateway.stop();
      await nginx.stop();
    }
  } finally {
    await nodeProxy.stop();
    await stub.stop();
    await bare.stop();
  }

  // (d) Triton's own response cache: one repeated request (exact repeats).
  const cachedPorts = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
  const cached = await startTriton({ ports: cachedPorts, extraArgs: responseCacheArgs({ size: '64Mi' }) });
  const tritonCache: typeof gatewayMiss = [];
  try {
    for (let i = 0; i < ROUNDS; i++)
      tritonCache.push(await saturate(cached.url, '/v2/models/fraud_v1/infer', () => KSERVE_HOT, cached.pid));
  } finally {
    await stopTriton(cached);
  }

  const rps = (xs: typeof gatewayMiss) =>
    med(
      xs.map((x) => x.rps),
      0,
    );
  const cpu = (xs: typeof gatewayMiss) =>
    med(
      xs.map((x) => x.cpuUs),
      1,
    );
  const cpuRatio = (peer: typeof gatewayMiss) =>
    med(
      gatewayMiss.map((g, i) => g.cpuUs / (peer[i]?.cpuUs ?? Number.NaN)),
      2,
    );
  figures.cache_miss_at_saturation = {
    gateway_cpu_us_per_request: cpu(gatewayMiss),
    nginx_cpu_us_per_request: cpu(nginxMiss),
    node_proxy_cpu_us_per_request: cpu(nodeProxyMiss),
    gateway_vs_nginx_cpu_ratio: cpuRatio(nginxMiss),
    target_cpu_ratio: 3,
    gateway_vs_node_proxy_cpu_ratio: cpuRatio(nodeProxyMiss),
    node_proxy_vs_nginx_cpu_ratio: med(
      nodeProxyMiss.map((p, i) => p.cpuUs / (nginxMiss[i]?.cpuUs ?? Number.NaN)),
      2,
    ),
    gateway_rps: rps(gatewayMiss),
    nginx_rps: rps(nginxMiss),
    node_proxy_rps: rps(nodeProxyMiss),
    gateway_vs_nginx_rps_ratio: med(gatewayMiss.map((g, i) => g.rps / (nginxMiss[i]?.rps ?? Number.NaN))),
    errors: {
      gateway: gatewayMiss.reduce((s, x) => s + x.errors, 0),
      nginx: nginxMiss.reduce((s, x) => s + x.errors, 0),
      node_proxy: nodeProxyMiss.reduce((s, x) => s + x.errors, 0),
    },
  };
  figures.cache_hit = {
    gateway_rps: rps(hit),
    bare_node_rps: rps(bareHit),
    triton_response_cache_rps: rps(tritonCache),
    gateway_vs_bare_ratio: med(hit.map((g, i) => g.rps / (bareHit[i]?.rps ?? Number.NaN))),
    target_vs_bare_ratio: 0.8,
    gateway_vs_triton_cache_ratio: round(rps(hit) / rps(tritonCache)),
    gateway_cpu_us_per_hit: cpu(hit),
    bare_cpu_us_per_answer: cpu(bareHit),
    errors: {
      gateway: hit.reduce((s, x) => s + x.errors, 0),
      triton_cache: tritonCache.reduce((s, x) => s + x.errors, 0),
    },
  };
  figures.client = `undici Pool keep-alive: ${LATENCY_CONNECTIONS} connections at ${RATE} req/s (open-load), ${SATURATION_CONCURRENCY} in flight at saturation (closed loop)`;
  figures.seconds_per_run = { latency: LATENCY_SECONDS, saturation: SATURATION_SECONDS };
  figures.loadavg_before = loadBefore;
  figures.loadavg_after = readFileSync('/proc/loadavg', 'utf8').trim();
  return figures;
}
