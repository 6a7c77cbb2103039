import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/adapters/process/paths.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import type { TritonInstance } from '../../src/adapters/process/triton-server.ts';
import { PrometheusClient } from '../../src/adapters/prometheus/client.ts';
import { asMixSchema, createPayloadMix, type LoadRequest } from '../../src/core/load/payload-mix.ts';
import { GATEWAY } from '../../src/core/metrics/names.ts';
import { parseSpec } from '../../src/core/spec/parse.ts';
import { featureBinnerFromSpec } from '../../src/gateway/feature-bins.ts';
import { type RunningGateway, startGateway } from '../../src/gateway/start.ts';
import { loadMonitor } from '../../src/services/drift/monitor.ts';
import { prometheusInstantQuery, windowFromPrometheus } from '../../src/services/drift/prometheus-counts.ts';
import { startWatch, type Watcher } from '../../src/services/drift/watch.ts';
import { runOpenLoad } from '../../src/services/load/open-load.ts';
import { ADMIN_TOKEN, testStack } from './fixtures/gateway.ts';
import { sharedTriton } from './fixtures/shared-triton.ts';

/**
 * Issue 6, live: shifted traffic through the real gateway + Triton; the gateway counts the
 * reference-profile bins, Prometheus sums them, the drift watcher judges the window from
 * Prometheus, and the generated drift alert's condition becomes true in Prometheus.
 */
describe('drift through the real gateway, Prometheus and the drift watcher', () => {
  const spec = parseSpec(readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8'));
  let triton: TritonInstance;
  let gateway: RunningGateway;
  let prometheus: PrometheusServer;
  let watcher: Watcher;
  const stop = new AbortController();
  let lastReport: unknown;
  let lastError: Error | undefined;

  beforeAll(async () => {
    triton = await sharedTriton();
    const bins = featureBinnerFromSpec(spec, paths.root(), () => undefined);
    if (!bins) throw new Error('no drift profile: run ./scripts/setup.sh');
    gateway = await startGateway({
      stack: testStack(),
      root: paths.root(),
      port: 0,
      tritonUrl: triton.url,
      adminToken: ADMIN_TOKEN,
      featureBinner: bins.binner,
      initialiseMetrics: bins.initialise,
    });
    const watcherPort = await freePort();
    prometheus = await startPrometheus({
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      ruleFiles: [join(paths.root(), 'alerts', 'drift-fraud-drift.rules.yml')],
      jobs: [
        { job: 'gateway', targets: [new URL(gateway.url).host] },
        { job: 'drift', targets: [`127.0.0.1:${watcherPort}`] },
      ],
    });
    const monitor = loadMonitor(spec, 'fraud-drift', { root: paths.root() });
    // A short window and a smaller minimum so the test takes seconds, not the spec's hour.
    monitor.settings.minSamples = 400;
    watcher = await startWatch({
      monitor,
      source: () => windowFromPrometheus(prometheusInstantQuery(prometheus.url), 'fraud', '5m'),
      intervalMs: 2_000,
      port: watcherPort,
      host: '127.0.0.1',
      signal: stop.signal,
      onReport: (r) => {
        lastReport = r;
      },
      onError: (e) => {
        lastError = e;
      },
    });
  }, 180_000);

  afterAll(async () => {
    stop.abort();
    await watcher?.done;
    await gateway?.close();
    await prometheus?.stop();
  });

  it('amounts tripled and card-not-present traffic: FeatureDrift becomes true in Prometheus, naming amount', async () => {
    const schema = asMixSchema(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
    const mix = createPayloadMix(schema, { seed: 11, populationSeed: 11, repeatShare: 0, hotKeyShare: 0 });
    const shifted = (): LoadRequest => {
      const r = mix.next();
      return {
        ...r,
        features: { ...r.features, amount: Number(r.features.amount) * 3, channel: 'online', card_present: 0 },
      };
    };
    const client = new PrometheusClient({ url: prometheus.url });
    // The bin counters' zero must be scraped before the load, or the window misses what came first.
    await client.waitForValues(`${GATEWAY.featureBins}{model="fraud"}`, { timeoutMs: 60_000 });
    const load = await runOpenLoad({ url: gateway.url, ratePerSecond: 80, durationMs: 10_000, next: shifted });
    const statuses = new Map<number, number>();
    for (const r of load.records) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    expect(load.sent).toBeGreaterThan(700);
    expect(statuses.get(200) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(700);
    const condition = 'max by (model, feature) (drift_detected{model="fraud", feature!="prediction_rate"}) == 1';
    let drifting: string[] = [];
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      const result = await client.instant(condition);
      drifting = result.status === 'values' ? result.samples.map((s) => s.labels.feature ?? '') : [];
      if (drifting.includes('amount')) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(drifting, `last report ${JSON.stringify(lastReport).slice(0, 1500)} error ${lastError?.message}`).toContain(
      'amount',
    );
    expect(drifting).toContain('channel');
    // Unshifted features stay within tolerance.
    expect(drifting).not.toContain('customer_age');
  });
});
