/**
 * `npm run bench -- stampede --json`
 * Upstream calls under a cache stampede: BURST identical concurrent requests on a cold key,
 * repeated for ROUNDS fresh keys. Ours: through the gateway (cache + coalescing), counting
 * Triton's own inference_count. Baseline in the same run: the same burst sent straight to
 * Triton (no gateway), where every request is an upstream call.
 */
import { freePort } from '../src/adapters/process/ports.ts';
import { startTriton, stopTriton } from '../src/adapters/process/triton-server.ts';
import { TritonClient } from '../src/adapters/triton/client.ts';
import {
  SAMPLE_FEATURES as FEATURES,
  median,
  SAMPLE_ROW as ROW,
  round,
  spawnGateway,
  specVariant,
} from './_support.ts';

const BURST = 500;
const ROUNDS = 5;

async function count(client: TritonClient): Promise<number> {
  const stats = await client.statistics('fraud_v1');
  return stats[0]?.inference_count ?? 0;
}

async function burst(send: () => Promise<Response>): Promise<{ ms: number; ok: number }> {
  const start = performance.now();
  // A refused or reset connection counts as a failed request, not a failed benchmark.
  const responses = await Promise.all(Array.from({ length: BURST }, () => send().catch(() => undefined)));
  let ok = 0;
  for (const r of responses) {
    if (r?.ok) ok++;
    await r?.arrayBuffer().catch(() => undefined);
  }
  return { ms: performance.now() - start, ok };
}

export default async function run(): Promise<Record<string, unknown>> {
  const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
  const triton = await startTriton({ ports });
  const client = new TritonClient({ url: triton.url });
  const gwPort = await freePort();
  const spec = specVariant((s) => {
    s.gateway = { ...s.gateway, maxInflight: 10_000 };
    s.models[0].variants = [
      { name: 'v1', tritonModel: 'fraud_v1', weight: 100 },
      { name: 'v2', tritonModel: 'fraud_v2', weight: 0 },
    ];
    s.models[0].deadline = '5s';
  });
  const gw = await spawnGateway(spec, gwPort, triton.url);
  const ours: number[] = [];
  const baseline: number[] = [];
  const oursMs: number[] = [];
  const baselineMs: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const amount = 1000 + round + Math.random();
      let before = await count(client);
      const g = await burst(() =>
        fetch(`http://127.0.0.1:${gwPort}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: 'stampede', features: { ...FEATURES, amount } }),
        }),
      );
      ours.push((await count(client)) - before);
      oursMs.push(g.ms);
      before = await count(client);
      const row = [...ROW];
      row[0] = amount;
      const d = await burst(() =>
        fetch(`${triton.url}/v2/models/fraud_v1/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: [{ name: 'features', shape: [1, 13], datatype: 'FP32', data: row }] }),
        }),
      );
      baseline.push((await count(client)) - before);
      baselineMs.push(d.ms);
    }
  } finally {
    await gw.stop();
    await client.close();
    await stopTriton(triton);
  }
  return {
    burst: BURST,
    rounds: ROUNDS,
    upstream_calls_per_burst_gateway: median(ours),
    upstream_calls_per_burst_direct: median(baseline),
    upstream_call_ratio: round(median(ours) / median(baseline), 4),
    burst_wall_ms_gateway: round(median(oursMs), 1),
    burst_wall_ms_direct: round(median(baselineMs), 1),
  };
}
