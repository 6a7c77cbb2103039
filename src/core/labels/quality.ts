/**
 * Label-based quality of a binary classifier, with scikit-learn's definitions (cross-checked
 * in test/unit/core/labels/quality-sklearn.test.ts). "No data" is null, never 0: precision
 * with no predicted positives, recall and PR AUC with no actual positives, anything on no rows.
 */
export interface LabelledPrediction {
  score: number;
  /** The decision the gateway answered (score >= the model's threshold). */
  predicted: 0 | 1;
  /** The ground truth. */
  actual: 0 | 1;
}

/** sklearn precision_score(actual, predicted) with zero_division=nan. */
export function precision(rows: readonly LabelledPrediction[]): number | null {
  let tp = 0;
  let flagged = 0;
  for (const r of rows) {
    if (r.predicted === 1) {
      flagged++;
      if (r.actual === 1) tp++;
    }
  }
  return flagged === 0 ? null : tp / flagged;
}

/** sklearn recall_score(actual, predicted) with zero_division=nan. */
export function recall(rows: readonly LabelledPrediction[]): number | null {
  let tp = 0;
  let positives = 0;
  for (const r of rows) {
    if (r.actual === 1) {
      positives++;
      if (r.predicted === 1) tp++;
    }
  }
  return positives === 0 ? null : tp / positives;
}

/**
 * PR AUC as sklearn's average_precision_score: sum over distinct score thresholds (high to
 * low) of (R_n - R_{n-1}) * P_n, ties taken together. Not the trapezoid, which is optimistic.
 */
export function averagePrecision(rows: readonly LabelledPrediction[]): number | null {
  const positives = rows.reduce((n, r) => n + r.actual, 0);
  if (positives === 0) return null;
  const sorted = [...rows].sort((a, b) => b.score - a.score);
  let tp = 0;
  let fp = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let i = 0; i < sorted.length; i++) {
    const row = sorted[i] as LabelledPrediction;
    if (row.actual === 1) tp++;
    else fp++;
    const next = sorted[i + 1];
    if (next !== undefined && next.score === row.score) continue;
    const r = tp / positives;
    ap += (r - previousRecall) * (tp / (tp + fp));
    previousRecall = r;
  }
  return ap;
}

/** Calibration in the large: the mean score (expected positive rate) against the observed rate. */
export function calibration(rows: readonly LabelledPrediction[]): { expected: number; observed: number } | null {
  if (rows.length === 0) return null;
  let scores = 0;
  let positives = 0;
  for (const r of rows) {
    scores += r.score;
    positives += r.actual;
  }
  return { expected: scores / rows.length, observed: positives / rows.length };
}
