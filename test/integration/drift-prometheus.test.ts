/**
 * The scalable path against a real Prometheus: gateway-style counters (binned with
 * binLabel, as the gateway does) scraped by Debian's prometheus, read back with increase(),
 * give the verdicts of the in-process stream on the same rows; and `drift watch` turns the
 * drift alert condition true in Prometheus.
 */

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReferenceProfile } from '../../src/adapters/files/drift-profile.ts';
import { loadSpecFile } from '../../src/adapters/files/spec-file.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import { binLabel, binLabels } from '../../src/core/drift/bins.ts';
import { detectDrift } from '../../src/core/drift/detect.ts';
import type { ReferenceProfile } from '../../src/core/drift/profile.ts';
import { seededRandom } from '../../src/core/drift/seeded-random.ts';
import { StreamAccumulator } from '../../src/core/drift/window.ts';
import { GATEWAY } from '../../src/core/metrics/names.ts';
import { type LoadedMonitor, loadMonitor } from '../../src/services/drift/monitor.ts';
import { prometheusInstantQuery, windowFromPrometheus } from '../../src/services/drift/prometheus-counts.ts';
import { startWatch } from '../../src/services/drift/watch.ts';
import { waitForQuery } from './fixtures/prometheus-api.ts';

let monitor: LoadedMonitor;
let profile: ReferenceProfile;
let prometheus: PrometheusServer | undefined;
let gateway: Server | undefined;
let watchPort = 0;
const registry = new Registry();
const bins = new Counter({
  name: GATEWAY.featureBins,
  help: 'x',
  labelNames: ['model', 'feature', 'bin'],
  registers: [registry],
});
const predictions = new Counter({
  name: GATEWAY.predictions,
  help: 'x',
  labelNames: ['model', 'variant', 'label'],
  registers: [registry],
});
const stream = () => new StreamAccumulator(profile, { sampleSize: 0, seed: 1 });
let accumulator: StreamAccumulator;

beforeAll(async () => {
  monitor = loadMonitor(loadSpecFile('steadystate.yaml'), 'fraud-drift');
  profile = loadReferenceProfile(monitor.profileFile);
  accumulator = stream();
  // zero-initialise every series, as the gateway should, so increase() sees each one from 0
  for (const f of profile.features)
    for (const bin of binLabels(f)) bins.inc({ model: 'fraud', feature: f.name, bin }, 0);
  for (const variant of ['v1', 'v2'])
    for (const label of ['0', '1']) predictions.inc({ model: 'fraud', variant, label }, 0);
  const gatewayPort = await freePort();
  watchPort = await freePort();
  gateway = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(await registry.metrics());
  });
  await new Promise<void>((resolve) => gateway?.listen(gatewayPort, '127.0.0.1', resolve));
  prometheus = await startPrometheus({
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    jobs: [{ job: 'test', targets: [`127.0.0.1:${gatewayPort}`, `127.0.0.1:${watchPort}`] }],
  });
  await waitForQuery(prometheus.url, `count(${GATEWAY.featureBins})`, (s) => (s[0]?.value ?? 0) > 100);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise<void>((resolve) => (gateway ? gateway.close(() => resolve()) : resolve()));
});

describe('drift from Prometheus counters', () => {
  it('gives the verdicts of the in-process stream on the same rows', async () => {
    const lines = readFileSync('serving/data/test.csv', 'utf8').trimEnd().split('\n');
    const header = (lines[0] as string).split(',');
    const rand = seededRandom(12);
    const baseline = (profile.predictions?.fraud_v1?.counts['1'] ?? 0) / (profile.predictions?.fraud_v1?.n ?? 1);
    for (const line of lines.slice(1, 8001)) {
      const cells = line.split(',');
      const record: Record<string, string | number> = Object.fromEntries(header.map((h, i) => [h, cells[i] as string]));
      record.amount = Number(record.amount) * 1.6; // the shift
      accumulator.add(record);
      for (const f of profile.features) bins.inc({ model: 'fraud', feature: f.name, bin: binLabel(f, record[f.name]) });
      const variant = rand.next() < 0.8 ? 'v1' : 'v2';
      const label = rand.next() < baseline * 3 ? '1' : '0';
      accumulator.addPrediction({ variant, label });
      predictions.inc({ model: 'fraud', variant, label });
    }
    await waitForQuery(
      prometheus?.url as string,
      `sum(${GATEWAY.featureBins}{feature="amount"})`,
      (s) => s[0]?.value === 8000,
    );
    // one more scrape so that the last samples of every series are in
    await new Promise((r) => setTimeout(r, 1500));

    const window = await windowFromPrometheus(prometheusQuery(), 'fraud', '5m');
    const fromPrometheus = detectDrift(profile, monitor.settings, window, monitor.variantModels);
    const fromStream = detectDrift(profile, monitor.settings, accumulator.snapshot(), monitor.variantModels);

    expect(fromStream.features.find((f) => f.feature === 'amount')?.outcome).toBe('drift');
    expect(fromStream.predictions.outcome).toBe('drift');
    expect(fromPrometheus.outcome).toBe(fromStream.outcome);
    expect(fromPrometheus.predictions.outcome).toBe(fromStream.predictions.outcome);
    for (const f of fromStream.features) {
      const p = fromPrometheus.features.find((g) => g.feature === f.feature);
      expect(p?.outcome, f.feature).toBe(f.outcome);
      // increase() scales every series of one scrape by the same extrapolation factor, so shares and distances agree
      for (const s of f.statistics) {
        if (s.statistic === 'category_share') continue; // its interval also depends on n
        const q = p?.statistics.find((t) => t.statistic === s.statistic);
        expect(q?.value, `${f.feature} ${s.statistic}`).toBeCloseTo(s.value, 9);
      }
      expect((p?.n ?? 0) / f.n).toBeGreaterThanOrEqual(1);
      expect((p?.n ?? 0) / f.n).toBeLessThan(1.5);
    }
  }, 60_000);

  it('drift watch exports drift_detected and the alert condition becomes true in Prometheus', async () => {
    const controller = new AbortController();
    const prom = prometheusQuery();
    const watcher = await startWatch({
      monitor,
      source: () => windowFromPrometheus(prom, 'fraud', '5m'),
      intervalMs: 1000,
      port: watchPort,
      host: '127.0.0.1',
      signal: controller.signal,
    });
    try {
      const values = await waitForQuery(
        prometheus?.url as string,
        'drift_detected{model="fraud",feature="amount"} == 1',
        (s) => s.length === 1,
      );
      expect(values.map((s) => s.value)).toEqual([1]);
      const hour = await waitForQuery(
        prometheus?.url as string,
        'drift_detected{model="fraud",feature="hour"}',
        (s) => s.length === 1,
      );
      expect(hour.map((s) => s.value)).toEqual([0]);
      await waitForQuery(
        prometheus?.url as string,
        'drift_detected{model="fraud",feature="prediction_rate"} == 1',
        (s) => s.length === 1,
      );
    } finally {
      controller.abort();
      await watcher.done;
    }
  }, 60_000);

  it('keeps "no values" apart from a failed query', async () => {
    const empty = await windowFromPrometheus(prometheusQuery(), 'no_such_model', '5m');
    expect(detectDrift(profile, monitor.settings, empty).outcome).toBe('no_data');
    await expect(prometheusInstantQuery(prometheus?.url as string).query('sum(')).rejects.toThrow(
      /Prometheus at http:\/\/127\.0\.0\.1:\d+ rejected the query: bad_data: .*\(query: sum\(\)/,
    );
    const closed = await freePort();
    await expect(prometheusInstantQuery(`http://127.0.0.1:${closed}`, { timeoutMs: 2000 }).query('up')).rejects.toThrow(
      /cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*\(query: up\)/,
    );
  });
});

function prometheusQuery() {
  return prometheusInstantQuery(prometheus?.url as string);
}
