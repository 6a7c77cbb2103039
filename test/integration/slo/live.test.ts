import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isPortFree } from '../../../src/adapters/process/ports.ts';
import { type PrometheusServer, startPrometheus } from '../../../src/adapters/process/prometheus-server.ts';
import { startPushgateway } from '../../../src/adapters/process/pushgateway-server.ts';
import { isProcessAlive } from '../../../src/adapters/process/triton-server.ts';
import { PrometheusClient, PrometheusQueryError } from '../../../src/adapters/prometheus/client.ts';
import { DURATION_BUCKETS, GATEWAY, GOOD_SERVED_BY, SERVED_BY, SLO } from '../../../src/core/metrics/names.ts';

/**
 * A real Prometheus 2.42 with the generated alerts/*.rules.yml, scraping a real HTTP
 * endpoint that serves a prom-client registry with the gateway's metric names. The
 * recording rules must return values and `steadystate slo report` (the real CLI) must
 * match a hand computation from the raw counters. The traffic lands in one step between
 * two scrapes, so every window of every rule holds exactly that batch: the error ratio of
 * each window is the batch's bad / total.
 */

const registry = new Registry();
const requests = new Counter({
  name: GATEWAY.requests,
  help: 'requests by answering tier',
  labelNames: ['model', 'variant', 'served_by', 'code'],
  registers: [registry],
});
const duration = new Histogram({
  name: GATEWAY.duration,
  help: 'request duration',
  labelNames: ['model', 'variant', 'served_by'],
  buckets: DURATION_BUCKETS,
  registers: [registry],
});

/** The batch: answers per tier, and how many were slow (0.3 s) and very slow (0.7 s). */
const BATCH: Record<string, number> = {
  primary: 15000,
  cache: 3000,
  stale_cache: 500,
  fallback_model: 400,
  default: 5,
  shed: 2,
  error: 1,
};
const SLOW = 100;
const VERY_SLOW = 20;

const codeOf = (servedBy: string) => (servedBy === 'shed' ? '429' : servedBy === 'error' ? '500' : '200');

let target: Server;
let prometheus: PrometheusServer;
let client: PrometheusClient;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

async function value(query: string): Promise<number | undefined> {
  const r = await client.instant(query);
  return r.status === 'values' ? r.samples[0]?.value : undefined;
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/cli/main.ts', ...args], (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  for (const servedBy of SERVED_BY) {
    requests.labels('fraud', 'v1', servedBy, codeOf(servedBy)).inc(0);
    duration.zero({ model: 'fraud', variant: 'v1', served_by: servedBy });
  }
  const port = await freePort();
  target = createServer(async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.end(await registry.metrics());
  });
  await new Promise<void>((r) => target.listen(port, '127.0.0.1', () => r()));
  const ruleFiles = readdirSync('alerts')
    .filter((f) => f.endsWith('.rules.yml'))
    .map((f) => join('alerts', f));
  prometheus = await startPrometheus({
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    jobs: [{ job: 'gateway', targets: [`127.0.0.1:${port}`] }],
    ruleFiles,
  });
  client = new PrometheusClient({ url: prometheus.url });
  // Two scrapes of the zero-valued series, so every rate starts from 0.
  await until('two scrapes of the gateway', async () => {
    const n = await value(`count_over_time(${GATEWAY.requests}{served_by="primary"}[1m])`);
    return n !== undefined && n >= 2 ? n : undefined;
  });
  // The whole batch between two scrapes (JavaScript runs it to the end before serving one).
  for (const [servedBy, n] of Object.entries(BATCH)) {
    requests.labels('fraud', 'v1', servedBy, codeOf(servedBy)).inc(n);
    const slow = servedBy === 'primary' ? SLOW + VERY_SLOW : 0;
    for (let i = 0; i < n - slow; i++) duration.observe({ model: 'fraud', variant: 'v1', served_by: servedBy }, 0.03);
    for (let i = 0; i < SLOW && slow; i++)
      duration.observe({ model: 'fraud', variant: 'v1', served_by: servedBy }, 0.3);
    for (let i = 0; i < VERY_SLOW && slow; i++)
      duration.observe({ model: 'fraud', variant: 'v1', served_by: servedBy }, 0.7);
  }
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((r) => target?.close(r));
});

/** The hand computation, from the registry's own counters. */
async function handRatios() {
  const counts = (await requests.get()).values.filter((v) => v.labels.model === 'fraud');
  const total = counts.reduce((s, v) => s + v.value, 0);
  const bad = counts
    .filter((v) => !GOOD_SERVED_BY.includes(v.labels.served_by as never))
    .reduce((s, v) => s + v.value, 0);
  const hist = (await duration.get()).values.filter((v) => v.labels.model === 'fraud');
  const bucket = (le: number) =>
    hist
      .filter((v) => v.metricName?.endsWith('_bucket') && (v.labels as Record<string, unknown>).le === le)
      .reduce((s, v) => s + v.value, 0);
  const count = hist.filter((v) => v.metricName?.endsWith('_count')).reduce((s, v) => s + v.value, 0);
  return {
    'fraud-availability': { ratio: bad / total, budget: 0.0005 },
    'fraud-latency': { ratio: (count - bucket(0.1)) / count, budget: 0.01 },
    'fraud-latency-noncritical': { ratio: (count - bucket(0.5)) / count, budget: 0.01 },
    'fraud-throughput': { ratio: 0, budget: 0.01 },
  } as Record<string, { ratio: number; budget: number }>;
}

const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'];

describe('the generated recording rules in a live Prometheus', () => {
  it('hand computation sanity: the batch has the designed error ratios', async () => {
    const hand = await handRatios();
    expect(hand['fraud-availability']?.ratio).toBeCloseTo(8 / 18908, 15);
    expect(hand['fraud-latency']?.ratio).toBeCloseTo(120 / 18908, 15);
    expect(hand['fraud-latency-noncritical']?.ratio).toBeCloseTo(20 / 18908, 15);
  });

  it('records every SLO series, with the window as a label, equal to the hand computation', async () => {
    const hand = await handRatios();
    const expected = hand['fraud-availability']!.ratio;
    const got = await until('every window of fraud-availability to hold the batch', async () => {
      const r = await client.instant(`${SLO.errorRatio}{slo="fraud-availability"}`);
      if (r.status !== 'values') return undefined;
      const byWindow = Object.fromEntries(r.samples.map((s) => [s.labels.window, s.value]));
      return WINDOWS.every(
        (w) => Math.abs((byWindow[w] ?? Number.NaN) - expected) < 1e-12 * Math.max(1, expected * 1e6),
      )
        ? byWindow
        : undefined;
    });
    for (const w of WINDOWS) expect(got[w]).toBeCloseTo(expected, 14);
    expect(await value(`${SLO.objective}{slo="fraud-availability"}`)).toBe(0.9995);
    expect(await value(`${SLO.errorBudget}{slo="fraud-availability"}`)).toBe(0.0005);
    expect(await value(`${SLO.burnRate}{slo="fraud-availability", window="1h"}`)).toBeCloseTo(expected / 0.0005, 10);
    expect(await value(`${SLO.budgetRemaining}{slo="fraud-availability"}`)).toBeCloseTo(1 - expected / 0.0005, 10);
    expect(await value(`${SLO.eventRate}{slo="fraud-availability"}`)).toBeGreaterThan(0);
    expect(await value(`${SLO.errorRatio}{slo="fraud-throughput", window="slice"}`)).toBe(0);
  });

  it.each([['rules'], ['raw']])(
    '`steadystate slo report --json --source %s` matches the hand computation',
    async (source) => {
      const hand = await handRatios();
      await until('latency windows to hold the batch', async () => {
        const v = await value(`${SLO.errorRatio}{slo="fraud-latency", window="30d"}`);
        return v !== undefined && Math.abs(v - hand['fraud-latency']!.ratio) < 1e-12 ? v : undefined;
      });
      // Raw time slices are whole slices on the minute grid (subquery [w:1m]); this
      // Prometheus may not have lived through one yet, so the raw read covers the ratio SLOs.
      const only =
        source === 'raw' ? ['fraud-availability', 'fraud-latency', 'fraud-latency-noncritical'] : Object.keys(hand);
      const { code, stdout, stderr } = await cli([
        'slo',
        'report',
        '--json',
        '--prometheus',
        prometheus.url,
        '--source',
        source,
        ...only.flatMap((s) => ['--slo', s]),
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as {
        rows: { slo: string; status: string; budgetRemaining: number; burnRate: Record<string, number | null> }[];
      };
      expect(report.rows.map((r) => r.slo)).toEqual(only);
      for (const row of report.rows) {
        const { ratio, budget } = hand[row.slo]!;
        expect(row.budgetRemaining, `${row.slo} budget left`).toBeCloseTo(1 - ratio / budget, 9);
        for (const w of WINDOWS) expect(row.burnRate[w], `${row.slo} burn ${w}`).toBeCloseTo(ratio / budget, 9);
        expect(row.status).toBe('ok');
      }
    },
    60_000,
  );

  it('`steadystate slo gate` allows under the shipped policy, blocks under a stricter one, and exits 2 without Prometheus', async () => {
    const allow = await cli(['slo', 'gate', '--prometheus', prometheus.url]);
    expect(allow.stdout).toMatch(/deploys allowed/);
    expect(allow.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'steadystate-gate-'));
    try {
      // fraud-availability has 1 - (8/18908)/0.0005 = 15.4% of its budget left: below 20%.
      writeFileSync(
        join(dir, 'spec.yaml'),
        readFileSync('steadystate.yaml', 'utf8').replace('minBudgetRemaining: 0.1', 'minBudgetRemaining: 0.2'),
      );
      const block = await cli([
        'slo',
        'gate',
        '--json',
        '--spec',
        join(dir, 'spec.yaml'),
        '--prometheus',
        prometheus.url,
      ]);
      expect(block.code).toBe(1);
      const result = JSON.parse(block.stdout) as {
        decision: string;
        verdicts: { slo: string; decision: string; why: string }[];
      };
      expect(result.decision).toBe('block');
      expect(result.verdicts.filter((v) => v.decision === 'block').map((v) => v.slo)).toEqual(['fraud-availability']);
      expect(result.verdicts[0]?.why).toMatch(/15\.38% of the 30d budget left, below the policy's 20%/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const closed = await freePort();
    const down = await cli(['slo', 'gate', '--prometheus', `http://127.0.0.1:${closed}`]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot decide: cannot reach Prometheus/);
  }, 60_000);
});

describe('the Prometheus HTTP client keeps "no values" apart from "failed"', () => {
  it.each([
    ['a query that matches nothing is no-values', 'steadystate_no_such_metric', 'no-values'],
    ['a scalar comes back as one sample', '1 + 1', 'values'],
    ['0/0 is a NaN value, not an absence', 'vector(0) / vector(0)', 'values'],
  ])('%s', async (_name, query, status) => {
    const result = await client.instant(query);
    expect(result.status).toBe(status);
    if (query === '1 + 1' && result.status === 'values') expect(result.samples[0]?.value).toBe(2);
    if (query.startsWith('vector(0)') && result.status === 'values') expect(result.samples[0]?.value).toBeNaN();
  });

  it('returns a range query as series of points', async () => {
    const now = Date.now() / 1000;
    const result = await client.range(`${GATEWAY.requests}{served_by="primary"}`, {
      start: now - 10,
      end: now,
      stepSeconds: 1,
    });
    expect(result.status).toBe('values');
    if (result.status === 'values') expect(result.series[0]?.points.length).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['bad PromQL fails with bad_data', () => client.instant('sum('), 'bad_data'],
    [
      'an unreachable server fails with unreachable',
      async () => new PrometheusClient({ url: `http://127.0.0.1:${await freePort()}` }).instant('up'),
      'unreachable',
    ],
  ])('%s', async (_name, call, kind) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusQueryError);
    expect((error as PrometheusQueryError).kind).toBe(kind);
  });

  it('rejects a URL that is not http(s) at construction, naming it', () => {
    expect(() => new PrometheusClient({ url: 'ftp://x' })).toThrow(/url "ftp:\/\/x" must be http\(s\)/);
    expect(() => new PrometheusClient({ url: 'nope' })).toThrow(/url "nope" is not a URL/);
  });
});

describe('the service launchers stop cleanly', () => {
  it('runs a Pushgateway that accepts a push, and leaves nothing behind on stop', async () => {
    const pg = await startPushgateway();
    const put = await fetch(`${pg.url}/metrics/job/chaos/experiment/gpu-loss`, {
      method: 'PUT',
      body: 'chaos_experiment_success 1\n',
    });
    expect(put.status).toBe(200);
    expect(await (await fetch(`${pg.url}/metrics`)).text()).toMatch(
      /chaos_experiment_success\{.*experiment="gpu-loss".*\} 1/,
    );
    await pg.stop();
    expect(isProcessAlive(pg.pid)).toBe(false);
    expect(await isPortFree(pg.port)).toBe(true);
    expect(existsSync(pg.dir)).toBe(false);
  });

  it('names the log when a daemon cannot start (bad Prometheus config)', async () => {
    await expect(startPrometheus({ configYaml: 'global: [not a map' })).rejects.toThrow(
      /prometheus exited with code \d+ while starting/,
    );
  });
});
