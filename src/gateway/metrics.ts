import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, GATEWAY, SCORE_BUCKETS } from '../core/metrics/names.ts';
import { HistogramTally, LabelTally } from './label-tally.ts';

/**
 * A gauge the hot path sets as a plain number (prom-client's `set()` validates and hashes
 * its labels on every call); the Gauge reads it when collected.
 */
export class LiveValue {
  value = 0;

  set(value: number): void {
    this.value = value;
  }
}

/** What the overload gauges show, read when Prometheus scrapes (start.ts connects the door and the gateway). */
export interface OverloadReadings {
  limits(): { model: string; variant: string; limit: number; inflight: number }[];
  shares(): { model: string; reason: string; share: number }[];
}

/** The gateway's Prometheus metrics, exactly per the metric contract (src/core/metrics/names.ts). */
export function createGatewayMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  // Thirteen bin increments per prediction: counted in plain numbers, handed over at scrape.
  const featureBinTally = new LabelTally(['model', 'feature', 'bin']);
  // The per-request counters likewise (about 1 µs each through prom-client, 0.1 µs here; bench request-steps).
  const requestTally = new LabelTally(['model', 'variant', 'served_by', 'code']);
  const predictionTally = new LabelTally(['model', 'variant', 'label']);
  const cacheTally = new LabelTally(['model', 'result']);
  // The per-request histograms likewise (observed as numbers, handed over at scrape).
  const durationTally = new HistogramTally(['model', 'variant', 'served_by'], DURATION_BUCKETS);
  const upstreamDurationTally = new HistogramTally(['model', 'variant'], DURATION_BUCKETS);
  const scoreTally = new HistogramTally(['model', 'variant'], SCORE_BUCKETS);
  // Set twice per request (in and out): a plain number, handed to the Gauge at scrape.
  const inflight = new LiveValue();
  const overload: { readings?: OverloadReadings } = {};
  return {
    registry,
    featureBinTally,
    requestTally,
    predictionTally,
    cacheTally,
    durationTally,
    upstreamDurationTally,
    scoreTally,
    requests: new Counter({
      name: GATEWAY.requests,
      help: 'Inference requests answered, by logical model, variant, the tier that served them and HTTP code',
      labelNames: ['model', 'variant', 'served_by', 'code'] as const,
      registers: [registry],
      collect() {
        requestTally.flushInto(this);
      },
    }),
    duration: new Histogram({
      name: GATEWAY.duration,
      help: 'End-to-end request latency at the gateway; buckets include every SLO threshold',
      labelNames: ['model', 'variant', 'served_by'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
      collect() {
        durationTally.flushInto(this);
      },
    }),
    upstreamDuration: new Histogram({
      name: GATEWAY.upstreamDuration,
      help: 'Latency of calls to Triton, per logical model and variant (the fallback model is variant "fallback")',
      labelNames: ['model', 'variant'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
      collect() {
        upstreamDurationTally.flushInto(this);
      },
    }),
    upstreamErrors: new Counter({
      name: GATEWAY.upstreamErrors,
      help: 'Failed calls to Triton by reason',
      labelNames: ['model', 'variant', 'reason'] as const,
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: GATEWAY.cacheRequests,
      help: 'Prediction cache lookups by result (hit, miss, stale, coalesced, error)',
      labelNames: ['model', 'result'] as const,
      registers: [registry],
      collect() {
        cacheTally.flushInto(this);
      },
    }),
    circuitState: new Gauge({
      name: GATEWAY.circuitState,
      help: 'Circuit breaker per variant: 0 closed, 1 half-open, 2 open',
      labelNames: ['model', 'variant'] as const,
      registers: [registry],
    }),
    inflight,
    /** Where the limit, in-flight and shed-share gauges read from; none until set. */
    overload,
    inflightGauge: new Gauge({
      name: GATEWAY.inflight,
      help: 'Requests being processed now',
      registers: [registry],
      collect() {
        this.set(inflight.value);
      },
    }),
    featureBins: new Counter({
      name: GATEWAY.featureBins,
      help: 'Feature values seen, by reference-profile bin (drift reads these from Prometheus)',
      labelNames: ['model', 'feature', 'bin'] as const,
      registers: [registry],
      collect() {
        featureBinTally.flushInto(this);
      },
    }),
    predictions: new Counter({
      name: GATEWAY.predictions,
      help: 'Predictions made by a variant model (primary or cached), by predicted label',
      labelNames: ['model', 'variant', 'label'] as const,
      registers: [registry],
      collect() {
        predictionTally.flushInto(this);
      },
    }),
    score: new Histogram({
      name: GATEWAY.score,
      help: 'Predicted P(fraud) of variant models',
      labelNames: ['model', 'variant'] as const,
      buckets: SCORE_BUCKETS,
      registers: [registry],
      collect() {
        scoreTally.flushInto(this);
      },
    }),
    shadowAgreement: new Counter({
      name: GATEWAY.shadowAgreement,
      help: 'Shadow predictions compared with the served one, by whether the labels agreed',
      labelNames: ['model', 'variant', 'agree'] as const,
      registers: [registry],
    }),
    shadowDuration: new Histogram({
      name: GATEWAY.shadowDuration,
      help: 'Latency of mirrored (shadow) calls',
      labelNames: ['model', 'variant'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    concurrencyLimit: new Gauge({
      name: GATEWAY.concurrencyLimit,
      help: 'Adaptive concurrency limit per upstream: calls allowed in flight to its Triton model now',
      labelNames: ['model', 'variant'] as const,
      registers: [registry],
      collect() {
        for (const c of overload.readings?.limits() ?? []) this.set({ model: c.model, variant: c.variant }, c.limit);
      },
    }),
    upstreamInflight: new Gauge({
      name: GATEWAY.upstreamInflight,
      help: 'Calls in flight to each upstream, under its adaptive concurrency limit',
      labelNames: ['model', 'variant'] as const,
      registers: [registry],
      collect() {
        for (const c of overload.readings?.limits() ?? []) this.set({ model: c.model, variant: c.variant }, c.inflight);
      },
    }),
    shedShare: new Gauge({
      name: GATEWAY.shedShare,
      help: 'Share of inference requests refused at the door (503 before the body is read), by model and reason',
      labelNames: ['model', 'reason'] as const,
      registers: [registry],
      collect() {
        for (const s of overload.readings?.shares() ?? []) this.set({ model: s.model, reason: s.reason }, s.share);
      },
    }),
    defaultedFeatures: new Counter({
      name: GATEWAY.defaultedFeatures,
      help: 'Features filled with their default because the online feature store missed or timed out',
      labelNames: ['model', 'feature'] as const,
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
