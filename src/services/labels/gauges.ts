import { Gauge, Registry } from 'prom-client';
import type { QualityRow } from '../../core/labels/join.ts';
import { LABELS } from '../../core/metrics/names.ts';

/**
 * The label_quality_* gauges (names: src/core/metrics/names.ts), labelled model, variant and
 * window only. A statistic with no data (no positives, nothing flagged) is absent, not 0, so
 * the alert and the dashboard never read "no data" as "zero quality".
 */
export interface LabelGauges {
  registry: Registry;
  publish(rows: readonly QualityRow[], baselines: Readonly<Record<string, number>>, model: string): void;
}

const VALUES: [keyof typeof LABELS, keyof QualityRow, string][] = [
  ['prAuc', 'prAuc', 'PR AUC (average precision) of the labelled predictions'],
  ['precision', 'precision', 'Precision of the answered decisions against the labels'],
  ['recall', 'recall', 'Recall of the answered decisions against the labels'],
  ['expectedPositiveRate', 'expectedPositiveRate', 'Mean score of the labelled predictions (expected positive rate)'],
  ['observedPositiveRate', 'observedPositiveRate', 'Observed positive rate of the labels'],
  ['coverage', 'coverage', 'Labelled share of the sampled predictions in the window'],
  ['labelled', 'labelled', 'Labels joined with sampled predictions in the window'],
  ['positives', 'positives', 'Positive labels joined in the window'],
  ['delayMedian', 'delayMedianSeconds', 'Median label delay (labelled_at - prediction time)'],
  ['delayP90', 'delayP90Seconds', '90th percentile label delay'],
];

export function createLabelGauges(registry = new Registry()): LabelGauges {
  const gauges = VALUES.map(
    ([name, field, help]) =>
      [
        new Gauge({ name: LABELS[name], help, labelNames: ['model', 'variant', 'window'], registers: [registry] }),
        field,
      ] as const,
  );
  const baseline = new Gauge({
    name: LABELS.baseline,
    help: 'Holdout PR AUC of the variant (LabelMonitor baseline)',
    labelNames: ['model', 'variant'],
    registers: [registry],
  });
  return {
    registry,
    publish(rows, baselines, model) {
      for (const [gauge] of gauges) gauge.reset();
      baseline.reset();
      for (const [variant, value] of Object.entries(baselines)) baseline.set({ model, variant }, value);
      for (const row of rows) {
        const labels = { model: row.model, variant: row.variant, window: row.window };
        for (const [gauge, field] of gauges) {
          const value = row[field];
          if (typeof value === 'number') gauge.set(labels, value);
        }
      }
    },
  };
}
