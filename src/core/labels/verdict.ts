import type { QualityRow } from './join.ts';

/** What the label-based alert decides per model variant and window. */
export type QualityVerdict =
  | { outcome: 'no_data'; reason: string }
  | { outcome: 'ok' | 'degraded'; prAuc: number; floor: number };

export interface QualityThresholds {
  /** Holdout PR AUC of the variant's model (serving/build/metrics.json, README's table). */
  baseline: number;
  /** Absolute drop below the baseline tolerated before alerting. */
  tolerance: number;
  minLabels: number;
  minPositives: number;
}

/**
 * Degraded when the PR AUC from labels is below baseline - tolerance, with at least
 * `minLabels` labels and `minPositives` positives: at a 1% fraud rate a few hundred labels
 * hold a handful of positives, and PR AUC on five positives says nothing. Thin data is
 * "no data", never a pass or a fail. The generated alert rule encodes the same test.
 */
export function qualityVerdict(row: QualityRow, t: QualityThresholds): QualityVerdict {
  if (row.labelled < t.minLabels) return { outcome: 'no_data', reason: `${row.labelled} labels < ${t.minLabels}` };
  if (row.positives < t.minPositives || row.prAuc === null) {
    return { outcome: 'no_data', reason: `${row.positives} positive labels < ${t.minPositives}` };
  }
  const floor = t.baseline - t.tolerance;
  return { outcome: row.prAuc < floor ? 'degraded' : 'ok', prAuc: row.prAuc, floor };
}
