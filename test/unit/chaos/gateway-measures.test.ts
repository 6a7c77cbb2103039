import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../../src/adapters/triton/metrics-text.ts';
import { measureGatewayProbe } from '../../../src/core/chaos/gateway-measures.ts';
import { histogramQuantile } from '../../../src/core/chaos/histogram-quantile.ts';
import { increaseBy, type Scrape, windowStart } from '../../../src/core/chaos/samples.ts';
import { DURATION_BUCKETS } from '../../../src/core/metrics/names.ts';
import { type GatewayProbeSpec, probeSchema } from '../../../src/core/spec/kinds/chaos/probes.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../../../src/gateway/metrics.ts';

/**
 * The probes read the gateway's real exposition: prom-client metrics as the gateway defines
 * them (src/gateway/metrics.ts), written to text, parsed back, differenced.
 */
async function scrape(metrics: GatewayMetrics, atMs: number): Promise<Scrape> {
  return { atMs, samples: parsePrometheusText(await metrics.registry.metrics()) };
}

function serve(m: GatewayMetrics, servedBy: string, n: number, seconds = 0.02, model = 'fraud', variant = 'v1') {
  for (let i = 0; i < n; i++) {
    m.requests.inc({
      model,
      variant,
      served_by: servedBy,
      code: servedBy === 'error' || servedBy === 'shed' ? '503' : '200',
    });
    m.duration.observe({ model, variant, served_by: servedBy }, seconds);
  }
}

const probe = (p: unknown) => probeSchema.parse(p) as GatewayProbeSpec;

async function window(fill: (m: GatewayMetrics) => void, before: (m: GatewayMetrics) => void = () => undefined) {
  const m = createGatewayMetrics();
  before(m);
  const from = await scrape(m, 0);
  fill(m);
  return { from, to: await scrape(m, 5_000), metrics: m };
}

describe('gateway probes over a window of real scrapes', () => {
  it.each<[string, unknown, (m: GatewayMetrics) => void, number, number]>([
    [
      'failed ratio: 5xx answers (error, shed) over all',
      { type: 'failed-ratio' },
      (m) => {
        serve(m, 'primary', 90);
        serve(m, 'error', 6);
        serve(m, 'shed', 4);
      },
      0.1,
      100,
    ],
    [
      'tier share: cache and primary',
      { type: 'tier-share', tiers: ['primary', 'cache'] },
      (m) => {
        serve(m, 'primary', 30);
        serve(m, 'cache', 30);
        serve(m, 'default', 40);
      },
      0.6,
      100,
    ],
    [
      'burn rate, SLO good tiers: a default answer is bad',
      { type: 'burn-rate', objective: 0.999 },
      (m) => {
        serve(m, 'primary', 99);
        serve(m, 'default', 1);
      },
      10,
      100,
    ],
    [
      'burn rate, failed only: a default answer is an answer',
      { type: 'burn-rate', objective: 0.999, bad: 'failed' },
      (m) => {
        serve(m, 'primary', 99);
        serve(m, 'default', 1);
      },
      0,
      100,
    ],
    [
      'one variant only',
      { type: 'tier-share', tiers: ['fallback_model'], variant: 'v2' },
      (m) => {
        serve(m, 'primary', 50, 0.02, 'fraud', 'v1');
        serve(m, 'fallback_model', 10, 0.02, 'fraud', 'v2');
        serve(m, 'primary', 10, 0.02, 'fraud', 'v2');
      },
      0.5,
      20,
    ],
    [
      'another model is not counted',
      { type: 'failed-ratio' },
      (m) => {
        serve(m, 'primary', 40);
        serve(m, 'error', 40, 0.02, 'churn');
      },
      0,
      40,
    ],
    [
      'Triton calls per request',
      { type: 'upstream-calls-per-request' },
      (m) => {
        serve(m, 'primary', 20);
        serve(m, 'cache', 80);
        for (let i = 0; i < 20; i++) m.upstreamDuration.observe({ model: 'fraud', variant: 'v1' }, 0.005);
        for (let i = 0; i < 5; i++) m.upstreamErrors.inc({ model: 'fraud', variant: 'v1', reason: 'timeout' });
      },
      0.25,
      100,
    ],
    [
      'upstream error ratio of a variant',
      { type: 'upstream-error-ratio', variant: 'v2', minRequests: 2 },
      (m) => {
        for (let i = 0; i < 3; i++) m.upstreamDuration.observe({ model: 'fraud', variant: 'v2' }, 0.005);
        for (let i = 0; i < 9; i++) m.upstreamErrors.inc({ model: 'fraud', variant: 'v2', reason: 'injected' });
        for (let i = 0; i < 50; i++) m.upstreamErrors.inc({ model: 'fraud', variant: 'v1', reason: 'injected' });
      },
      0.75,
      12,
    ],
    [
      'cache hit ratio: a coalesced miss is not a second lookup',
      { type: 'cache-hit-ratio' },
      (m) => {
        m.cacheRequests.inc({ model: 'fraud', result: 'hit' }, 60);
        m.cacheRequests.inc({ model: 'fraud', result: 'miss' }, 40);
        m.cacheRequests.inc({ model: 'fraud', result: 'coalesced' }, 30);
      },
      0.6,
      100,
    ],
    [
      'defaulted features per request',
      { type: 'defaulted-features-per-request' },
      (m) => {
        serve(m, 'primary', 50);
        m.defaultedFeatures.inc({ model: 'fraud', feature: 'account_age_days' }, 25);
        m.defaultedFeatures.inc({ model: 'fraud', feature: 'customer_age' }, 25);
      },
      1,
      50,
    ],
    [
      'P(label=1) among variant predictions',
      { type: 'label-rate' },
      (m) => {
        m.predictions.inc({ model: 'fraud', variant: 'v1', label: '1' }, 3);
        m.predictions.inc({ model: 'fraud', variant: 'v1', label: '0' }, 97);
      },
      0.03,
      100,
    ],
    ['request rate over the 5 s window', { type: 'request-rate' }, (m) => serve(m, 'primary', 200), 40, 200],
  ])('%s', async (_name, spec, fill, value, n) => {
    const { from, to } = await window(fill, (m) => serve(m, 'error', 500)); // history before the window never counts
    const m = measureGatewayProbe(probe(spec), from, to, 'fraud', 20);
    expect(m).toMatchObject({ kind: 'value', n, spanSeconds: 5 });
    expect(m.kind === 'value' && m.value).toBeCloseTo(value, 10);
  });

  it('p99 is histogram_quantile over the increase of the buckets, not over all time', async () => {
    const { from, to } = await window(
      (m) => {
        serve(m, 'primary', 95, 0.02);
        serve(m, 'fallback_model', 5, 0.3);
      },
      (m) => serve(m, 'primary', 1_000, 4), // slow history before the window
    );
    const m = measureGatewayProbe(probe({ type: 'latency-quantile', quantile: 0.99 }), from, to, 'fraud', 20);
    const buckets = increaseBy(from, to, 'inference_request_duration_seconds_bucket', 'le', { model: 'fraud' });
    const expected = histogramQuantile(
      0.99,
      [...buckets].map(([le, count]) => ({ upperBound: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count })),
    );
    expect(m).toMatchObject({ kind: 'value', value: expected, n: 100 });
    expect(expected).toBeGreaterThan(0.25);
    expect(expected).toBeLessThanOrEqual(0.3);
    expect(DURATION_BUCKETS).toContain(0.3);
  });

  it('below the minimum number of events the answer is no data, saying how many there were', async () => {
    const { from, to } = await window((m) => serve(m, 'error', 7));
    expect(measureGatewayProbe(probe({ type: 'failed-ratio' }), from, to, 'fraud', 20)).toEqual({
      kind: 'no_data',
      n: 7,
      spanSeconds: 5,
      why: '7 requests in 5 s, need >= 20',
    });
  });

  it('a gateway restart (counters reset) counts from zero, as rate() does', async () => {
    const old = createGatewayMetrics();
    serve(old, 'primary', 1_000);
    const from = await scrape(old, 0);
    const restarted = createGatewayMetrics();
    serve(restarted, 'primary', 30);
    serve(restarted, 'error', 10);
    const m = measureGatewayProbe(probe({ type: 'failed-ratio' }), from, await scrape(restarted, 5_000), 'fraud', 20);
    expect(m).toMatchObject({ kind: 'value', value: 0.25, n: 40 });
  });
});

describe('windowStart', () => {
  const s = (atMs: number): Scrape => ({ atMs, samples: [] });
  it.each<[string, number[], number, number, number | undefined]>([
    ['the latest scrape at least a window older', [0, 1000, 2000, 3000, 4000], 4000, 2500, 1000],
    ['exactly a window older', [0, 1000, 2000, 3000], 3000, 2000, 1000],
    ['the oldest when the history is shorter than the window', [1000, 2000, 3000], 3000, 5000, 1000],
    ['none when there is only the last one', [3000], 3000, 1000, undefined],
  ])('%s', (_name, times, last, windowMs, expected) => {
    const scrapes = times.map(s);
    expect(windowStart(scrapes, scrapes.find((x) => x.atMs === last) as Scrape, windowMs)?.atMs).toBe(expected);
  });
});
