import { Gauge, Registry } from 'prom-client';
import type { DriftReport } from '../../core/drift/verdict.ts';
import { DRIFT } from '../../core/metrics/names.ts';

/**
 * The drift_* gauges of `steadystate drift watch` (names: src/core/metrics/names.ts), which
 * the generated alerts and dashboards read:
 *
 * - drift_score{model,feature,statistic} and drift_threshold{...}: each verdict statistic
 *   and its threshold. The prediction rate appears as feature="prediction_rate",
 *   statistic="relative_change" (threshold = the tolerance).
 * - drift_detected{model,feature}: 1 drift, 0 no drift; absent when the outcome is "no
 *   data" (so `absent()` alerts can tell "not watched" from "fine").
 * - drift_prediction_rate_relative_change{model,label}; drift_window_samples{model}.
 *
 * Every evaluation replaces the previous one (features that lost their data disappear).
 */
export const PREDICTION_RATE_FEATURE = 'prediction_rate';

export interface DriftGauges {
  registry: Registry;
  publish(report: DriftReport): void;
}

export function createDriftGauges(registry = new Registry()): DriftGauges {
  const score = new Gauge({
    name: DRIFT.score,
    help: 'Drift statistic of a feature over the window (effect size; see drift_threshold)',
    labelNames: ['model', 'feature', 'statistic'],
    registers: [registry],
  });
  const threshold = new Gauge({
    name: DRIFT.threshold,
    help: 'Threshold at which the drift statistic counts as drift',
    labelNames: ['model', 'feature', 'statistic'],
    registers: [registry],
  });
  const detected = new Gauge({
    name: DRIFT.detected,
    help: '1 when the feature drifts, 0 when not; absent when the window has too little data',
    labelNames: ['model', 'feature'],
    registers: [registry],
  });
  const rateShift = new Gauge({
    name: DRIFT.predictionRateShift,
    help: 'Relative change of P(predicted label) against the reference rate',
    labelNames: ['model', 'label'],
    registers: [registry],
  });
  const samples = new Gauge({
    name: DRIFT.samples,
    help: 'Rows in the evaluated window',
    labelNames: ['model'],
    registers: [registry],
  });
  return {
    registry,
    publish(report: DriftReport): void {
      for (const g of [score, threshold, detected, rateShift, samples]) g.reset();
      const model = report.model;
      samples.set({ model }, report.n);
      for (const f of report.features) {
        for (const s of f.statistics) {
          if (!Number.isFinite(s.value)) continue;
          score.set({ model, feature: f.feature, statistic: s.statistic }, s.value);
          threshold.set({ model, feature: f.feature, statistic: s.statistic }, s.threshold);
        }
        if (f.outcome !== 'no_data') detected.set({ model, feature: f.feature }, f.outcome === 'drift' ? 1 : 0);
      }
      const p = report.predictions;
      if (Number.isFinite(p.relativeChange)) {
        rateShift.set({ model, label: p.label }, p.relativeChange);
        score.set({ model, feature: PREDICTION_RATE_FEATURE, statistic: 'relative_change' }, p.relativeChange);
        threshold.set({ model, feature: PREDICTION_RATE_FEATURE, statistic: 'relative_change' }, p.tolerance);
      }
      if (p.outcome !== 'no_data')
        detected.set({ model, feature: PREDICTION_RATE_FEATURE }, p.outcome === 'drift' ? 1 : 0);
    },
  };
}
