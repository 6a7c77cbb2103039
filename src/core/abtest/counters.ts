/**
 * Per-variant counters as the gateway exports them (src/core/metrics/names.ts), summed over
 * replicas: what the A/B controller reads each interval. Cumulative, like the Prometheus
 * counters they come from; the experiment works on increments between readings.
 */

/** Count, sum and sum of squares of a per-request value (score, latency). */
export interface Moments {
  count: number;
  sum: number;
  /** From histogram buckets where the source has no exact sum of squares (see metric-samples.ts). */
  sumSquares: number;
}

export interface VariantCounters {
  /** Requests assigned to the variant (inference_requests_total). */
  requests: number;
  /** Of those, answered by a tier that counts as the variant's error (spec errorServedBy). */
  errors: number;
  /** Predictions the variant made (inference_predictions_total), and the positive ones. */
  predictions: number;
  positives: number;
  score: Moments;
  latency: Moments;
  /**
   * Ground truth (issue 17), from the label service rather than the gateway: the variant's own
   * answers that have a delayed label, those it flagged, and those it flagged that were
   * positive (fraud caught). Zero without a label source. They only grow as labels trickle in,
   * so the experiment takes increments of them like any counter.
   */
  labelled: number;
  labelledFlagged: number;
  caught: number;
}

/** Variant name -> counters. */
export type CounterSnapshot = Readonly<Record<string, VariantCounters>>;

export function zeroMoments(): Moments {
  return { count: 0, sum: 0, sumSquares: 0 };
}

export function zeroCounters(): VariantCounters {
  return {
    requests: 0,
    errors: 0,
    predictions: 0,
    positives: 0,
    score: zeroMoments(),
    latency: zeroMoments(),
    labelled: 0,
    labelledFlagged: 0,
    caught: 0,
  };
}

function flat(c: VariantCounters): number[] {
  return [
    c.requests,
    c.errors,
    c.predictions,
    c.positives,
    c.score.count,
    c.score.sum,
    c.score.sumSquares,
    c.latency.count,
    c.latency.sum,
    c.latency.sumSquares,
    c.labelled,
    c.labelledFlagged,
    c.caught,
  ];
}

export function addCounters(a: VariantCounters, b: VariantCounters): VariantCounters {
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    predictions: a.predictions + b.predictions,
    positives: a.positives + b.positives,
    score: addMoments(a.score, b.score),
    latency: addMoments(a.latency, b.latency),
    labelled: a.labelled + b.labelled,
    labelledFlagged: a.labelledFlagged + b.labelledFlagged,
    caught: a.caught + b.caught,
  };
}

function addMoments(a: Moments, b: Moments): Moments {
  return { count: a.count + b.count, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares };
}

/**
 * The increment from `previous` to `current`. A counter that went down means a gateway
 * replica restarted or left (its series reset or went stale, so the sum dropped): that
 * interval cannot be attributed, so it contributes nothing and the next increment is taken
 * from `current` (Prometheus' own rate() treats a single series' drop the same way; on a
 * sum it is the only choice that never invents requests).
 */
export function counterIncrement(
  previous: VariantCounters,
  current: VariantCounters,
): { increment: VariantCounters; reset: boolean } {
  const before = flat(previous);
  const after = flat(current);
  if (after.some((v, i) => v < (before[i] as number) - 1e-9)) return { increment: zeroCounters(), reset: true };
  return {
    increment: {
      requests: current.requests - previous.requests,
      errors: current.errors - previous.errors,
      predictions: current.predictions - previous.predictions,
      positives: current.positives - previous.positives,
      score: {
        count: current.score.count - previous.score.count,
        sum: current.score.sum - previous.score.sum,
        sumSquares: current.score.sumSquares - previous.score.sumSquares,
      },
      latency: {
        count: current.latency.count - previous.latency.count,
        sum: current.latency.sum - previous.latency.sum,
        sumSquares: current.latency.sumSquares - previous.latency.sumSquares,
      },
      labelled: current.labelled - previous.labelled,
      labelledFlagged: current.labelledFlagged - previous.labelledFlagged,
      caught: current.caught - previous.caught,
    },
    reset: false,
  };
}
