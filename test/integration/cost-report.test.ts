import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import { PrometheusClient } from '../../src/adapters/prometheus/client.ts';
import { readCostCounters } from '../../src/adapters/prometheus/cost-counters.ts';
import { parsePrometheusText } from '../../src/adapters/triton/metrics-text.ts';
import { countersFromSamples } from '../../src/core/cost/counters.ts';

/**
 * The Prometheus path of `cost report` against a real Prometheus 2.42 that scrapes the
 * recorded Triton and gateway /metrics (test/unit/core/cost/fixtures): first with every
 * counter at zero, then at the recorded values. increase() over a window ending at the last
 * scrape does not extrapolate past it, and a counter that starts at 0 is not extrapolated
 * before its first sample, so Prometheus must give the recorded counters exactly, and the
 * chargeback CSV must equal the one from the files.
 */
const FIXTURES = 'test/unit/core/cost/fixtures';
const recorded = ['triton-metrics.txt', 'gateway-metrics.txt']
  .map((f) => readFileSync(`${FIXTURES}/${f}`, 'utf8'))
  .join('\n');
const zeroed = recorded
  .split('\n')
  .map((line) => (line.startsWith('#') || line.trim() === '' ? line : line.replace(/ \S+$/, ' 0')))
  .join('\n');

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['src/cli/main.ts', 'cost', 'report', ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('cost report through a real Prometheus', () => {
  let exposition = zeroed;
  let target: Server;
  let prometheus: PrometheusServer;
  let client: PrometheusClient;

  beforeAll(async () => {
    target = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(exposition);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const { port } = target.address() as { port: number };
    prometheus = await startPrometheus({
      jobs: [{ job: 'recorded', targets: [`127.0.0.1:${port}`], scrapeInterval: '1s' }],
    });
    client = new PrometheusClient({ url: prometheus.url });
    await client.waitForValues('nv_inference_request_success');
    await new Promise((r) => setTimeout(r, 2_500)); // a few scrapes at zero
    exposition = recorded;
    await client.waitForValues('nv_inference_request_success{model="fraud_v1"} == 101');
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((r) => target?.close(r));
  });

  it('reads the recorded counters exactly and writes the same chargeback CSV', async () => {
    const last = await client.instant('max(timestamp(nv_inference_request_success{model="fraud_v1"}))');
    if (last.status !== 'values') throw new Error('no last scrape');
    const to = last.samples[0]?.value ?? Number.NaN;
    const from = to - 3600;
    const counters = await readCostCounters(client, from, to);
    const fromFiles = countersFromSamples([], parsePrometheusText(recorded), 3600);
    expect(counters.tritonInstances).toBe(1);
    for (const [model, c] of Object.entries(fromFiles.triton)) {
      expect(counters.triton[model]?.computeUs).toBeCloseTo(c.computeUs, 6);
      expect(counters.triton[model]?.requests).toBeCloseTo(c.requests, 9);
    }
    const viaPrometheus = await cli([
      '--from',
      String(from),
      '--to',
      String(to),
      '--csv',
      '--prometheus',
      prometheus.url,
    ]);
    const viaFiles = await cli([
      '--from',
      String(from),
      '--to',
      String(to),
      '--csv',
      '--metrics-file',
      `${FIXTURES}/triton-metrics.txt`,
      '--metrics-file',
      `${FIXTURES}/gateway-metrics.txt`,
    ]);
    expect(viaPrometheus.stderr).toBe('');
    expect(viaPrometheus.stdout).toBe(viaFiles.stdout);
    expect(viaPrometheus.stdout).toContain(',220,0.259003,');
  });

  it('says the window is empty (exit 3) before the counters moved', async () => {
    // The first scrape, 2.5 s before the counters moved: a 1 s window there saw nothing served.
    const first = await client.instant(
      'min_over_time(timestamp(nv_inference_request_success{model="fraud_v1"})[1m:1s])',
    );
    if (first.status !== 'values') throw new Error('no first scrape');
    const t0 = first.samples[0]?.value ?? Number.NaN;
    const r = await cli(['--from', String(t0), '--to', String(t0 + 1), '--prometheus', prometheus.url]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/nothing was served/);
  });
});
