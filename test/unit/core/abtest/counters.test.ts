import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../../../src/adapters/triton/metrics-text.ts';
import { counterIncrement } from '../../../../src/core/abtest/counters.ts';
import { bucketSumSquares, snapshotFromSamples } from '../../../../src/core/abtest/counters-from-samples.ts';
import { GATEWAY, SCORE_BUCKETS } from '../../../../src/core/metrics/names.ts';
import { counters } from './fixtures.ts';

const selection = { model: 'fraud', errorServedBy: ['fallback_model', 'default', 'error'], positiveLabel: '1' };

/** A registry shaped like the gateway's (the metric contract), filled with known traffic. */
async function gatewayExposition(): Promise<string> {
  const registry = new Registry();
  const requests = new Counter({
    name: GATEWAY.requests,
    help: 'h',
    labelNames: ['model', 'variant', 'served_by', 'code'],
    registers: [registry],
  });
  const predictions = new Counter({
    name: GATEWAY.predictions,
    help: 'h',
    labelNames: ['model', 'variant', 'label'],
    registers: [registry],
  });
  const score = new Histogram({
    name: GATEWAY.score,
    help: 'h',
    labelNames: ['model', 'variant'],
    buckets: SCORE_BUCKETS,
    registers: [registry],
  });
  const latency = new Histogram({
    name: GATEWAY.upstreamDuration,
    help: 'h',
    labelNames: ['model', 'variant'],
    buckets: [0.01, 0.05, 0.1],
    registers: [registry],
  });
  requests.inc({ model: 'fraud', variant: 'v1', served_by: 'primary', code: '200' }, 780);
  requests.inc({ model: 'fraud', variant: 'v1', served_by: 'cache', code: '200' }, 12);
  requests.inc({ model: 'fraud', variant: 'v1', served_by: 'fallback_model', code: '200' }, 8);
  requests.inc({ model: 'fraud', variant: 'v2', served_by: 'primary', code: '200' }, 170);
  requests.inc({ model: 'fraud', variant: 'v2', served_by: 'error', code: '503' }, 30);
  requests.inc({ model: 'other', variant: 'v2', served_by: 'error', code: '503' }, 999);
  predictions.inc({ model: 'fraud', variant: 'v1', label: '1' }, 20);
  predictions.inc({ model: 'fraud', variant: 'v1', label: '0' }, 772);
  predictions.inc({ model: 'fraud', variant: 'v2', label: '1' }, 9);
  predictions.inc({ model: 'fraud', variant: 'v2', label: '0' }, 161);
  for (const s of [0.004, 0.03, 0.03, 0.6]) score.observe({ model: 'fraud', variant: 'v1' }, s);
  for (const s of [0.02, 0.95]) score.observe({ model: 'fraud', variant: 'v2' }, s);
  for (const l of [0.004, 0.02, 0.07, 0.2]) latency.observe({ model: 'fraud', variant: 'v1' }, l);
  return registry.metrics();
}

describe('counters from gateway metrics', () => {
  it('reads requests, errors by served_by, predictions by label and histogram moments per variant', async () => {
    const snapshot = snapshotFromSamples(parsePrometheusText(await gatewayExposition()), selection);
    expect(Object.keys(snapshot).sort()).toEqual(['v1', 'v2']);
    expect(snapshot.v1).toMatchObject({ requests: 800, errors: 8, predictions: 792, positives: 20 });
    expect(snapshot.v2).toMatchObject({ requests: 200, errors: 30, predictions: 170, positives: 9 });
    expect(snapshot.v1?.score.count).toBe(4);
    expect(snapshot.v1?.score.sum).toBeCloseTo(0.664, 12);
    // Uniform within each bucket: [0, .01] -> 1e-4/3, (.02, .05] twice -> (4e-4 + 1e-3 + 2.5e-3)/3, (.5, .7] -> (.25 + .35 + .49)/3.
    expect(snapshot.v1?.score.sumSquares).toBeCloseTo(1e-4 / 3 + (2 * 3.9e-3) / 3 + 1.09 / 3, 12);
    // The +Inf bucket of a score is capped at 1: (0.9, 1] -> (.81 + .9 + 1)/3.
    expect(snapshot.v2?.score.sumSquares).toBeCloseTo((1e-4 + 2e-4 + 4e-4) / 3 + 2.71 / 3, 12);
    expect(snapshot.v1?.latency.count).toBe(4);
  });

  it('bucket second moments are linear in the counts, so increments stay consistent', () => {
    const a = new Map([
      [0.1, 3],
      [0.5, 5],
      [Number.POSITIVE_INFINITY, 6],
    ]);
    const b = new Map([
      [0.1, 6],
      [0.5, 10],
      [Number.POSITIVE_INFINITY, 12],
    ]);
    expect(bucketSumSquares(b, undefined)).toBeCloseTo(2 * bucketSumSquares(a, undefined), 12);
  });

  it('a counter that went down is a reset: no increment that interval', () => {
    expect(counterIncrement(counters(100, 5), counters(150, 6))).toEqual({ increment: counters(50, 1), reset: false });
    expect(counterIncrement(counters(100, 5), counters(20, 0)).reset).toBe(true);
  });
});
