import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayAdminClient } from '../../src/adapters/gateway/admin-client.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import type { ExperimentConfig } from '../../src/core/abtest/experiment-config.ts';
import { AbController, type TickResult } from '../../src/services/abtest/controller.ts';
import { gatewayCounterSource } from '../../src/services/abtest/gateway-counter-source.ts';
import { abtestGauges } from '../../src/services/abtest/gauges.ts';
import { fileJournal } from '../../src/services/abtest/journal.ts';
import { startMetricsServer } from '../../src/services/abtest/metrics-server.ts';
import { prometheusCounterSource } from '../../src/services/abtest/prometheus-counter-source.ts';
import { shippedExperiment } from '../unit/core/abtest/fixtures.ts';
import { type FakeGateway, startFakeGateway } from './fixtures/abtest-fake-gateway.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function gateway(options: Parameters<typeof startFakeGateway>[0] = {}): Promise<FakeGateway> {
  const g = await startFakeGateway(options);
  cleanups.push(() => g.close());
  return g;
}

function journalFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-abtest-journal-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'journal.jsonl');
}

const readJournal = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; decision?: string; after?: Record<string, number> });

/** The shipped experiment, evaluated faster so the embedded tests take seconds. */
const fast = (seconds: number): ExperimentConfig => ({ ...shippedExperiment(), evaluateEverySeconds: seconds });

function embedded(g: FakeGateway, config: ExperimentConfig, token = g.token) {
  const selection = { model: config.model, errorServedBy: config.errorServedBy, positiveLabel: config.positiveLabel };
  return {
    source: gatewayCounterSource({ metricsUrl: `${g.url}/metrics`, ...selection }),
    admin: new GatewayAdminClient({ url: g.url, token }),
  };
}

/** Ticks until `until` says stop or `maxTicks` pass, at the config's period. */
async function tickUntil(
  controller: AbController,
  config: ExperimentConfig,
  maxTicks: number,
  until: (r: TickResult) => boolean,
) {
  const results: TickResult[] = [];
  for (let i = 0; i < maxTicks; i++) {
    const r = await controller.tick();
    results.push(r);
    if (until(r)) break;
    await new Promise((resolve) => setTimeout(resolve, config.evaluateEverySeconds * 1000));
  }
  return results;
}

describe('A/B controller against a gateway speaking the admin API and metric contract (embedded mode)', () => {
  it('errors injected into v2 only: rolled back to 100% v1 within 30 s, journaled and exported', async () => {
    const g = await gateway({ seed: 11 });
    const config = fast(0.5);
    const journal = journalFile();
    const gauges = abtestGauges();
    const controller = new AbController({ config, ...embedded(g, config), journal: fileJournal(journal), gauges });
    const metrics = await startMetricsServer({
      registry: gauges.registry,
      port: await freePort(),
      verdict: () => controller.lastVerdict,
    });
    cleanups.push(() => metrics.close());

    g.startTraffic(400);
    await tickUntil(controller, config, 4, () => false); // healthy baseline looks
    expect(controller.lastVerdict?.decision).not.toBe('rollback');

    const fault = await fetch(`${g.url}/admin/faults`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ model: 'fraud', variant: 'v2', kind: 'error', probability: 0.3, seed: 1 }] }),
    });
    expect(fault.status).toBe(200);
    const injectedAt = Date.now();
    const results = await tickUntil(controller, config, 60, (r) => r.applied?.ok === true);
    const rolledBackAfter = (Date.now() - injectedAt) / 1000;
    console.log(
      `embedded: rolled back ${rolledBackAfter.toFixed(1)} s after the fault (ticks every ${config.evaluateEverySeconds} s)`,
    );

    expect(results.at(-1)?.verdict.decision).toBe('rollback');
    expect(rolledBackAfter).toBeLessThan(30);
    expect(g.weights).toEqual({ v1: 100, v2: 0 });
    expect(g.adminCalls).toContainEqual({ method: 'PUT', path: '/admin/models/fraud/weights', status: 200 });

    const entries = readJournal(journal);
    expect(entries.map((e) => e.event)).toContain('rollback');
    expect(entries.find((e) => e.event === 'rollback')?.after).toEqual({ v1: 100, v2: 0 });

    const text = await (await fetch(`${metrics.url}/metrics`)).text();
    expect(text).toMatch(/abtest_decision\{experiment="fraud-v2-rollout",decision="rollback"\} 1/);
    expect(text).toMatch(/abtest_weight\{experiment="fraud-v2-rollout",model="fraud",variant="v2"\} 0/);
    expect(text).toMatch(/abtest_e_value\{experiment="fraud-v2-rollout",test="guardrail"\} \d/);
    expect(text).toMatch(/abtest_p_value\{experiment="fraud-v2-rollout",metric="error_rate"\} [\d.e-]+/);
    expect(((await (await fetch(`${metrics.url}/verdict`)).json()) as { decision: string }).decision).toBe('rollback');

    // After the rollback v2 gets no new users, the record is frozen, and the controller does not PUT again.
    const servedB = g.served.v2;
    const looksAtRollback = controller.state?.looks;
    await tickUntil(controller, config, 3, () => false);
    expect(g.served.v2).toBe(servedB);
    expect(controller.state?.looks).toBe(looksAtRollback);
    expect(controller.lastVerdict?.decision).toBe('rollback');
    expect(g.adminCalls.filter((c) => c.method === 'PUT' && c.path.endsWith('/weights'))).toHaveLength(1);
  });

  it('no fault: no rollback over 60 looks of the same traffic (200 requests a look, 0.5% background errors)', async () => {
    const g = await gateway({ seed: 12 });
    const config = fast(0.5);
    const controller = new AbController({ config, ...embedded(g, config) });
    const decisions: string[] = [];
    for (let look = 0; look < 60; look++) {
      g.serve(200);
      decisions.push((await controller.tick()).verdict.decision);
    }
    expect(decisions).not.toContain('rollback');
    expect(decisions).not.toContain('no_data');
    expect(controller.lastVerdict?.n.treatment).toBeGreaterThan(2000);
    expect(g.weights).toEqual({ v1: 80, v2: 20 });
    expect(g.adminCalls.filter((c) => c.method === 'PUT')).toHaveLength(0);
  });

  it('a wrong admin token: the rollback fails with 401, is journaled, weights stay, and it is retried next tick', async () => {
    const g = await gateway({ seed: 13 });
    const config = fast(0.2);
    const journal = journalFile();
    const controller = new AbController({
      config,
      ...embedded(g, config, 'not-the-token'),
      journal: fileJournal(journal),
    });
    g.serve(2000);
    await fetch(`${g.url}/admin/faults`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ model: 'fraud', variant: 'v2', kind: 'error', probability: 0.5 }] }),
    });
    g.serve(4000);
    const first = await controller.tick();
    const second = await controller.tick();
    expect(first.verdict.decision).toBe('rollback');
    // The weights GET already fails, so the rollback cannot even be formed; it stays due.
    expect(first.action.kind).toBe('none');
    expect(second.verdict.decision).toBe('rollback');
    expect(g.weights).toEqual({ v1: 80, v2: 20 });
    const weightCalls = g.adminCalls.filter((c) => c.path.endsWith('/weights'));
    expect(weightCalls.length).toBeGreaterThanOrEqual(2);
    expect(weightCalls.every((c) => c.status === 401)).toBe(true);
    expect(readJournal(journal).map((e) => e.decision)).toContain('rollback');
  });

  it('a rejected PUT is journaled as rollback_failed and retried', async () => {
    const g = await gateway({ seed: 14 });
    const config = fast(0.2);
    const journal = journalFile();
    const real = embedded(g, config);
    let failPuts = 1;
    const flaky = {
      getWeights: real.admin.getWeights.bind(real.admin),
      setWeights: (model: string, weights: Record<string, number>) =>
        failPuts-- > 0 ? real.admin.setWeights(model, { v1: 100, v3: 0 }) : real.admin.setWeights(model, weights),
    };
    const controller = new AbController({ config, source: real.source, admin: flaky, journal: fileJournal(journal) });
    await fetch(`${g.url}/admin/faults`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ model: 'fraud', variant: 'v2', kind: 'error', probability: 0.5 }] }),
    });
    g.serve(5000);
    const first = await controller.tick();
    expect(first.applied).toMatchObject({ ok: false, error: expect.stringMatching(/HTTP 400/) });
    const second = await controller.tick();
    expect(second.applied).toMatchObject({ ok: true, weights: { v1: 100, v2: 0 } });
    expect(readJournal(journal).map((e) => e.event)).toEqual(['decision', 'rollback_failed', 'rollback']);
  });
});

describe('A/B controller reading Prometheus (real Prometheus 2.42 scraping two gateway replicas)', () => {
  let prometheus: PrometheusServer | undefined;
  afterEach(async () => {
    await prometheus?.stop();
    prometheus = undefined;
  });

  it('Prometheus down: no_data on every tick, never a rollback, even while v2 fails', async () => {
    const g = await gateway({ seed: 15 });
    const config = fast(0.1);
    const closed = await freePort();
    const controller = new AbController({
      config,
      source: prometheusCounterSource({
        url: `http://127.0.0.1:${closed}`,
        model: 'fraud',
        errorServedBy: config.errorServedBy,
        positiveLabel: '1',
        timeoutMs: 1000,
      }),
      admin: new GatewayAdminClient({ url: g.url, token: g.token }),
    });
    await fetch(`${g.url}/admin/faults`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ model: 'fraud', variant: 'v2', kind: 'error', probability: 0.9 }] }),
    });
    g.serve(5000);
    const results = await tickUntil(controller, config, 5, () => false);
    for (const r of results) {
      expect(r.verdict.decision).toBe('no_data');
      expect(r.verdict.reason).toMatch(/cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
      expect(r.action.kind).toBe('none');
    }
    expect(g.weights).toEqual({ v1: 80, v2: 20 });
  });

  it('sums counters over replicas and rolls back within 30 s at the spec timings (evaluate every 5 s)', async () => {
    const weights = { v1: 80, v2: 20 };
    const a = await gateway({ seed: 21, sharedWeights: weights });
    const b = await gateway({ seed: 22, sharedWeights: weights });
    prometheus = await startPrometheus({
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      jobs: [{ job: 'gateway', targets: [new URL(a.url).host, new URL(b.url).host] }],
    });
    const config = shippedExperiment();
    expect(config.evaluateEverySeconds).toBe(5);
    const source = prometheusCounterSource({
      url: prometheus.url,
      model: 'fraud',
      errorServedBy: config.errorServedBy,
      positiveLabel: '1',
    });

    // Prometheus up, gateways not serving yet: "no values found" is no data too, and says so.
    expect(await source.read()).toEqual({
      ok: false,
      reason: 'Prometheus has no inference_requests_total series for model "fraud" (is the gateway scraped?)',
    });

    // Quiescent replicas: once scraped, Prometheus' sums equal the two registries' counts exactly.
    a.serve(3000);
    b.serve(2000);
    let summed: Awaited<ReturnType<typeof source.read>> = { ok: false, reason: 'not read yet' };
    for (let i = 0; i < 40; i++) {
      summed = await source.read();
      if (summed.ok && (summed.snapshot.v1?.requests ?? 0) + (summed.snapshot.v2?.requests ?? 0) === 5000) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(summed.ok).toBe(true);
    if (!summed.ok) return;
    expect(summed.snapshot.v1?.requests).toBe((a.served.v1 ?? 0) + (b.served.v1 ?? 0));
    expect(summed.snapshot.v2?.requests).toBe((a.served.v2 ?? 0) + (b.served.v2 ?? 0));

    const controller = new AbController({
      config,
      source,
      admin: new GatewayAdminClient({ url: a.url, token: a.token }),
    });
    a.startTraffic(200);
    b.startTraffic(200);
    const stop = new AbortController();
    const running = controller.run(stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const g of [a, b]) {
      await fetch(`${g.url}/admin/faults`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ faults: [{ model: 'fraud', variant: 'v2', kind: 'error', probability: 0.3 }] }),
      });
    }
    const injectedAt = Date.now();
    while (!controller.rolledBackAt && Date.now() - injectedAt < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stop.abort();
    await running;
    expect(controller.rolledBackAt).toBeDefined();
    console.log(
      `prometheus: rolled back ${(((controller.rolledBackAt as Date).getTime() - injectedAt) / 1000).toFixed(1)} s after the fault`,
    );
    expect(((controller.rolledBackAt as Date).getTime() - injectedAt) / 1000).toBeLessThan(30);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect(controller.lastVerdict?.decision).toBe('rollback');
  });
});
