import { GATEWAY } from '../metrics/names.ts';
import { type CounterSnapshot, type VariantCounters, zeroCounters } from './counters.ts';

/**
 * Turns gateway metric samples (one gateway's /metrics, or Prometheus query results summed
 * over replicas: the same names and labels either way) into per-variant counters.
 *
 * Histograms carry an exact sum and count but no sum of squares, which the mSPRT for a
 * difference of means needs. We take each bucket's second moment as that of a uniform
 * distribution over the bucket, (l² + l·u + u²) / 3: linear in the bucket counts, so
 * increments between readings stay consistent, and unbiased when the density is flat
 * within a bucket. The +Inf bucket is taken at `upperLimit` (1 for a score, the last
 * bound for a latency: an underestimate that only the tail pays).
 */

export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface CounterSelection {
  model: string;
  /** `served_by` values that count as the variant's error. */
  errorServedBy: readonly string[];
  /** The `label` value of a positive prediction. */
  positiveLabel: string;
}

/** The histograms read for score_mean and latency_mean (the model's own latency, not the fallbacks'). */
export const SCORE_HISTOGRAM = GATEWAY.score;
export const LATENCY_HISTOGRAM = GATEWAY.upstreamDuration;

export function snapshotFromSamples(samples: readonly Sample[], selection: CounterSelection): CounterSnapshot {
  const byVariant = new Map<string, VariantCounters>();
  const counters = (variant: string) => {
    let c = byVariant.get(variant);
    if (!c) {
      c = zeroCounters();
      byVariant.set(variant, c);
    }
    return c;
  };
  const buckets = { score: new Map<string, Map<number, number>>(), latency: new Map<string, Map<number, number>>() };
  for (const s of samples) {
    if (s.labels.model !== selection.model || !Number.isFinite(s.value)) continue;
    const variant = s.labels.variant;
    if (variant === undefined || variant === '') continue;
    switch (s.name) {
      case GATEWAY.requests: {
        const c = counters(variant);
        c.requests += s.value;
        if (selection.errorServedBy.includes(s.labels.served_by ?? '')) c.errors += s.value;
        break;
      }
      case GATEWAY.predictions: {
        const c = counters(variant);
        c.predictions += s.value;
        if (s.labels.label === selection.positiveLabel) c.positives += s.value;
        break;
      }
      case `${SCORE_HISTOGRAM}_sum`:
        counters(variant).score.sum += s.value;
        break;
      case `${SCORE_HISTOGRAM}_count`:
        counters(variant).score.count += s.value;
        break;
      case `${SCORE_HISTOGRAM}_bucket`:
        addBucket(buckets.score, variant, s.labels.le, s.value);
        break;
      case `${LATENCY_HISTOGRAM}_sum`:
        counters(variant).latency.sum += s.value;
        break;
      case `${LATENCY_HISTOGRAM}_count`:
        counters(variant).latency.count += s.value;
        break;
      case `${LATENCY_HISTOGRAM}_bucket`:
        addBucket(buckets.latency, variant, s.labels.le, s.value);
        break;
    }
  }
  for (const [variant, b] of buckets.score) counters(variant).score.sumSquares = bucketSumSquares(b, 1);
  for (const [variant, b] of buckets.latency) counters(variant).latency.sumSquares = bucketSumSquares(b, undefined);
  return Object.fromEntries(byVariant);
}

function addBucket(into: Map<string, Map<number, number>>, variant: string, le: string | undefined, value: number) {
  if (le === undefined) return;
  const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
  if (Number.isNaN(bound)) return;
  let m = into.get(variant);
  if (!m) {
    m = new Map();
    into.set(variant, m);
  }
  m.set(bound, (m.get(bound) ?? 0) + value);
}

/** Σ count_i · E[x² | bucket i] from cumulative buckets, values taken as >= 0. */
export function bucketSumSquares(cumulative: ReadonlyMap<number, number>, upperLimit: number | undefined): number {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const lastFinite = bounds.filter(Number.isFinite).at(-1) ?? 0;
  let previousCount = 0;
  let lower = 0;
  let total = 0;
  for (const bound of bounds) {
    const cumulativeCount = cumulative.get(bound) as number;
    const count = Math.max(0, cumulativeCount - previousCount);
    const upper = Number.isFinite(bound) ? bound : Math.max(upperLimit ?? lastFinite, lower);
    total += (count * (lower * lower + lower * upper + upper * upper)) / 3;
    previousCount = cumulativeCount;
    lower = upper;
  }
  return total;
}
