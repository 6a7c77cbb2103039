import type { GroundTruth } from './ground-truth.ts';
import { averagePrecision, calibration, type LabelledPrediction, precision, recall } from './quality.ts';

/** The fields of a prediction-log line (gateway/prediction-log.ts) the join needs. */
export interface LoggedPrediction {
  ts: string;
  request_id: string;
  model: string;
  variant: string;
  served_by: string;
  score: number;
  label: number;
}

/** A trailing window ending at the evaluation time, by prediction time (e.g. 1d, 7d). */
export interface QualityWindow {
  name: string;
  seconds: number;
}

/** Label-based quality of one model variant over one window. */
export interface QualityRow {
  model: string;
  variant: string;
  window: string;
  /** Sampled predictions in the window (the denominator of coverage). */
  predictions: number;
  labelled: number;
  positives: number;
  /** labelled / predictions; null without predictions. */
  coverage: number | null;
  precision: number | null;
  recall: number | null;
  prAuc: number | null;
  /** Mean score of the labelled predictions, against their observed positive rate. */
  expectedPositiveRate: number | null;
  observedPositiveRate: number | null;
  /** Label delay (labelled_at - prediction ts), seconds: median and 90th percentile (nearest rank). */
  delayMedianSeconds: number | null;
  delayP90Seconds: number | null;
}

/**
 * Answers that say something about the variant's model: its own score, fresh or cached.
 * Fallback-model and default answers are another model's (or no model's) output.
 */
export const MODEL_SERVED_BY: readonly string[] = ['primary', 'cache', 'stale_cache'];

function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Joins the sampled predictions with their labels, per model, variant and window. Pure. */
export function qualityByWindow(
  predictions: readonly LoggedPrediction[],
  labels: ReadonlyMap<string, GroundTruth>,
  windows: readonly QualityWindow[],
  nowMs: number,
): QualityRow[] {
  const groups = new Map<string, LoggedPrediction[]>();
  for (const p of predictions) {
    if (!MODEL_SERVED_BY.includes(p.served_by)) continue;
    const key = `${p.model}\u0000${p.variant}`;
    const list = groups.get(key) ?? [];
    list.push(p);
    groups.set(key, list);
  }
  const rows: QualityRow[] = [];
  for (const key of [...groups.keys()].sort()) {
    const [model, variant] = key.split('\u0000') as [string, string];
    const all = groups.get(key) as LoggedPrediction[];
    for (const window of windows) {
      const from = nowMs - window.seconds * 1000;
      const inWindow = all.filter((p) => {
        const t = Date.parse(p.ts);
        return t > from && t <= nowMs;
      });
      const joined: LabelledPrediction[] = [];
      const delays: number[] = [];
      for (const p of inWindow) {
        const truth = labels.get(p.request_id);
        if (!truth) continue;
        joined.push({ score: p.score, predicted: p.label === 1 ? 1 : 0, actual: truth.label });
        delays.push((Date.parse(truth.labelled_at) - Date.parse(p.ts)) / 1000);
      }
      delays.sort((a, b) => a - b);
      const cal = calibration(joined);
      rows.push({
        model,
        variant,
        window: window.name,
        predictions: inWindow.length,
        labelled: joined.length,
        positives: joined.reduce((n, r) => n + r.actual, 0),
        coverage: inWindow.length === 0 ? null : joined.length / inWindow.length,
        precision: precision(joined),
        recall: recall(joined),
        prAuc: averagePrecision(joined),
        expectedPositiveRate: cal?.expected ?? null,
        observedPositiveRate: cal?.observed ?? null,
        delayMedianSeconds: nearestRank(delays, 0.5),
        delayP90Seconds: nearestRank(delays, 0.9),
      });
    }
  }
  return rows;
}
