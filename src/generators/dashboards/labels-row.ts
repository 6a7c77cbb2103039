import { LABELS } from '../../core/metrics/names.ts';
import { byVariable, selector } from '../../core/promql/builder.ts';
import type { Row } from './dashboard.ts';
import { timeseries } from './panels.ts';
import { COLOR } from './thresholds.ts';

const SCOPE = [byVariable('namespace'), byVariable('model'), byVariable('variant')];

/**
 * "Is the model still right?": the label_quality_* gauges of `steadystate labels serve`
 * (delayed labels joined with the sampled prediction log). Drift says the inputs moved;
 * this row says whether the answers got worse. A gap in a series is "no labels yet".
 */
export function labelQualityRow(): Row {
  return {
    title: 'Ground truth: quality from delayed labels',
    panels: [
      timeseries({
        title: 'PR AUC from labels against the holdout baseline',
        description:
          "Average precision of the labelled predictions per variant and window (solid) and the variant's holdout PR AUC (dashed, LabelMonitor baseline). The LabelQualityBelowBaseline alert fires when the alert window stays below baseline - tolerance with enough labels.",
        unit: 'none',
        decimals: 3,
        thresholds: { base: COLOR.info },
        min: 0,
        max: 1,
        dashedSeries: '^baseline.*',
        queries: [
          { expr: selector(LABELS.prAuc, SCOPE), legend: '{{variant}} {{window}}' },
          { expr: selector(LABELS.baseline, SCOPE), legend: 'baseline {{variant}}' },
        ],
        width: 12,
      }),
      timeseries({
        title: 'Precision and recall at the decision threshold',
        description:
          'Of the transactions the gateway flagged, the share that were fraud (precision); of the fraud, the share it flagged (recall). Absent while no flagged or no positive label is in the window.',
        unit: 'percentunit',
        thresholds: { base: COLOR.info },
        min: 0,
        max: 1,
        queries: [
          { expr: selector(LABELS.precision, SCOPE), legend: 'precision {{variant}} {{window}}' },
          { expr: selector(LABELS.recall, SCOPE), legend: 'recall {{variant}} {{window}}' },
        ],
        width: 12,
      }),
      timeseries({
        title: 'Calibration: expected against observed positive rate',
        description:
          'Mean score of the labelled predictions (expected, dashed) against the share of positive labels (observed). A calibrated model keeps the two together; a gap means its scores no longer mean probabilities.',
        unit: 'percentunit',
        thresholds: { base: COLOR.info },
        min: 0,
        dashedSeries: '^expected.*',
        queries: [
          { expr: selector(LABELS.expectedPositiveRate, SCOPE), legend: 'expected {{variant}} {{window}}' },
          { expr: selector(LABELS.observedPositiveRate, SCOPE), legend: 'observed {{variant}} {{window}}' },
        ],
      }),
      timeseries({
        title: 'Label coverage',
        description:
          'Share of the sampled predictions that have a label. Low in the short window is normal (labels arrive late); quality numbers from little coverage are thin.',
        unit: 'percentunit',
        thresholds: { base: COLOR.info },
        min: 0,
        max: 1,
        queries: [{ expr: selector(LABELS.coverage, SCOPE), legend: '{{variant}} {{window}}' }],
      }),
      timeseries({
        title: 'Label delay (median, p90)',
        description: 'Time from the prediction to its label: how far behind the quality numbers are.',
        unit: 's',
        thresholds: { base: COLOR.info },
        min: 0,
        queries: [
          { expr: selector(LABELS.delayMedian, SCOPE), legend: 'p50 {{variant}} {{window}}' },
          { expr: selector(LABELS.delayP90, SCOPE), legend: 'p90 {{variant}} {{window}}' },
        ],
      }),
    ],
  };
}
