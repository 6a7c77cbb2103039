/**
 * `npm run bench -- feature-store-gateway --json [--rates 100,500] [--seconds 10]`
 * The feature store as a client sees it: the real gateway (its own process) in front of a real
 * Triton, open-model load (services/load/open-load.ts), cache off so every request is a
 * lookup plus a model call. Three gateways, one at a time, on the same Triton and Feast data:
 *   none         the request carries all 13 features (no feature store)
 *   feast-redis  the request carries the 7 transaction fields; the gateway reads the six
 *                entity features from Feast's Redis layout (one HMGET)
 *   feast-serve  the same, through Feast's feature server (`feast serve`, one HTTP call)
 * Per gateway and rate: end-to-end p50/p99 (from the scheduled send, so coordinated omission
 * is corrected), the answers that were not 200 + primary, and the share of entity features the
 * gateway had to default (its `inference_defaulted_features_total`: a lookup over the 10 ms
 * budget). The lookup's cost through the gateway is each store's p50/p99 minus `none`'s at the
 * same rate; at 500 req/s that difference is the gateway's overhead from the feature store.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareFeatureStore } from '../src/adapters/feast/feast-tool.ts';
import { startFeastServer } from '../src/adapters/process/feast-server.ts';
import { freePort } from '../src/adapters/process/ports.ts';
import { startRedis, stopRedis } from '../src/adapters/process/redis-server.ts';
import { startTriton, stopTriton } from '../src/adapters/process/triton-server.ts';
import { ENTITY_FEATURES } from '../src/core/chaos/traffic.ts';
import { quantileSorted } from '../src/core/drift/build-profile.ts';
import type { LoadRequest } from '../src/core/load/payload-mix.ts';
import type { LoadRecord } from '../src/core/load/record.ts';
import { GATEWAY } from '../src/core/metrics/names.ts';
import { runOpenLoad } from '../src/services/load/open-load.ts';
import { everyRowToTritonV1, round, SAMPLE_FEATURES, spawnGateway, specVariant } from './_support.ts';

const USERS = 5000;
const WARM_SECONDS = 3;
const TRANSACTION = Object.fromEntries(
  Object.entries(SAMPLE_FEATURES).filter(([name]) => !(ENTITY_FEATURES as readonly string[]).includes(name)),
);

type Mode = 'none' | 'feast-redis' | 'feast-serve';

function argValue(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}

function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').trim();
}

/** Distinct users (and amounts) per request: no coalescing, every lookup a different entity. */
function requests(mode: Mode): () => LoadRequest {
  let i = 0;
  return () => {
    i++;
    const user = `user-${(i * 7919) % USERS}`;
    const features =
      mode === 'none'
        ? { ...SAMPLE_FEATURES, amount: 10 + (i % 20_000) * 0.05 }
        : { ...TRANSACTION, amount: 10 + (i % 20_000) * 0.05 };
    return { userId: user, features, kind: 'fresh', fraudLike: false };
  };
}

function summary(records: LoadRecord[]) {
  const sent = records.filter((r) => !r.dropped);
  const ok = sent.filter((r) => r.status === 200 && r.servedBy === 'primary');
  const latency = ok.map((r) => r.latencyMs).sort((a, b) => a - b);
  const lag = sent.map((r) => r.sendLagMs).sort((a, b) => a - b);
  return {
    sent: sent.length,
    primary_200: ok.length,
    not_primary_200: sent.length - ok.length,
    p50_ms: latency.length ? round(quantileSorted(latency, 0.5), 2) : null,
    p99_ms: latency.length ? round(quantileSorted(latency, 0.99), 2) : null,
    driver_send_lag_p99_ms: lag.length ? round(quantileSorted(lag, 0.99), 2) : null,
  };
}

async function defaultedTotal(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${GATEWAY.defaultedFeatures}{`))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

export default async function bench(args: string[] = []): Promise<Record<string, unknown>> {
  const rates = argValue(args, '--rates', '100,500').split(',').map(Number);
  const seconds = Number(argValue(args, '--seconds', '10'));
  const redis = await startRedis(await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'bench-feast-gw-'));
  const env = { dataDir: dir, redis: redis.url };
  const triton = await startTriton({
    ports: { http: await freePort(), grpc: await freePort(), metrics: await freePort() },
  });
  const loadBefore = loadavg();
  try {
    const prepared = await prepareFeatureStore(env, { users: USERS });
    const server = await startFeastServer(env, await freePort());
    const results: Record<string, Record<string, unknown>> = {};
    try {
      for (const mode of ['none', 'feast-redis', 'feast-serve'] as const) {
        const spec = specVariant((s) => {
          everyRowToTritonV1(s);
          s.gateway = { ...s.gateway, maxInflight: 10_000 };
          if (mode === 'none') delete s.featureStore;
          else
            s.featureStore = {
              backend: mode,
              redisUrl: redis.url,
              keyPrefix: '',
              timeout: '10ms',
              ...(mode === 'feast-serve' ? { feast: { serveUrl: server.url } } : {}),
            };
        });
        const port = await freePort();
        const gw = await spawnGateway(spec, port, triton.url);
        const url = `http://127.0.0.1:${port}`;
        try {
          await runOpenLoad({ url, ratePerSecond: 100, durationMs: WARM_SECONDS * 1000, next: requests(mode) });
          const perRate: Record<string, unknown> = {};
          for (const rate of rates) {
            const before = await defaultedTotal(url);
            const load = await runOpenLoad({
              url,
              ratePerSecond: rate,
              durationMs: seconds * 1000,
              next: requests(mode),
              connections: 256,
            });
            const defaulted = (await defaultedTotal(url)) - before;
            const s = summary(load.records);
            perRate[`${rate}_rps`] = {
              ...s,
              achieved_rps: round(load.achievedRatePerSecond, 1),
              defaulted_feature_share: mode === 'none' ? 0 : round(defaulted / (s.sent * ENTITY_FEATURES.length), 4),
              loadavg: loadavg(),
            };
          }
          results[mode] = perRate;
        } finally {
          await gw.stop();
        }
      }
    } finally {
      await server.process.stop();
    }
    const delta = (mode: Mode, rate: number, q: 'p50_ms' | 'p99_ms') => {
      const a = (results[mode]?.[`${rate}_rps`] as Record<string, number | null> | undefined)?.[q];
      const b = (results.none?.[`${rate}_rps`] as Record<string, number | null> | undefined)?.[q];
      return a == null || b == null ? null : round(a - b, 2);
    };
    return {
      users: USERS,
      seconds_per_rate: seconds,
      rates,
      gateways: results,
      lookup_cost_vs_none_ms: Object.fromEntries(
        (['feast-redis', 'feast-serve'] as const).map((m) => [
          m,
          Object.fromEntries(
            rates.map((r) => [`${r}_rps`, { p50: delta(m, r, 'p50_ms'), p99: delta(m, r, 'p99_ms') }]),
          ),
        ]),
      ),
      materialize_s: prepared.materialize_s,
      loadavg_before: loadBefore,
      loadavg_after: loadavg(),
    };
  } finally {
    await stopTriton(triton);
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  }
}
