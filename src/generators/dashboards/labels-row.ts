import { LABELS } from '../../core/metrics/names.ts';
import { byVariable, selector } from '../../core/promql/builder.ts';
import type { Row } from './dashboard.ts';
import { timeseries } from './panels.ts';
import { COLOR } from './thresholds.ts';

const SCOPE = [byVariable('namespace'), byVariable('model'), byVariable('variant')];

/** One label_quality_* panel: gauges of one unit, each a series per variant (and window). */
function qualityPanel(p: {
  title: string;
  description: string;
  unit: 'none' | 'percentunit' | 's';
  /** Gauge and its legend prefix ('' for none); the window is in every legend but the baseline's. */
  series: [keyof typeof LABELS, string][];
  /** A share or a PR AUC tops out at 1; a delay does not. */
  max?: number;
  decimals?: number;
  /** Legend regex of the series drawn dashed (a reference line). */
  dashed?: string;
  width?: number;
}) {
  return timeseries({
    title: p.title,
    description: p.description,
    unit: p.unit,
    ...(p.decimals === undefined ? {} : { decimals: p.decimals }),
    thresholds: { base: COLOR.info },
    min: 0,
    ...(p.max === undefined ? {} : { max: p.max }),
    ...(p.dashed === undefined ? {} : { dashedSeries: p.dashed }),
    queries: p.series.map(([gauge, prefix]) => ({
      expr: selector(LABELS[gauge], SCOPE),
      legend: gauge === 'baseline' ? `${prefix} {{variant}}` : `${prefix ? `${prefix} ` : ''}{{variant}} {{window}}`,
    })),
    ...(p.width === undefined ? {} : { width: p.width }),
  });
}

/**
 * "Is the model still right?": the label_quality_* gauges of `steadystate labels serve`
 * (delayed labels joined with the sampled prediction log). Drift says the inputs moved;
 * this row says whether the answers got worse. A gap in a series is "no labels yet".
 */
export function labelQualityRow(): Row {
  return {
    title: 'Ground truth: quality from delayed labels',
    panels: [
      qualityPanel({
        title: 'PR AUC from labels against the holdout baseline',
        description:
          "Average precision of the labelled predictions per variant and window (solid) and the variant's holdout PR AUC (dashed, LabelMonitor baseline). The LabelQualityBelowBaseline alert fires when the alert window stays below baseline - tolerance with enough labels.",
        unit: 'none',
        decimals: 3,
        max: 1,
        dashed: '^baseline.*',
        series: [
          ['prAuc', ''],
          ['baseline', 'baseline'],
        ],
        width: 12,
      }),
      qualityPanel({
        title: 'Precision and recall at the decision threshold',
        description:
          'Of the transactions the gateway flagged, the share that were fraud (precision); of the fraud, the share it flagged (recall). Absent while no flagged or no positive label is in the window.',
        unit: 'percentunit',
        max: 1,
        series: [
          ['precision', 'precision'],
          ['recall', 'recall'],
        ],
        width: 12,
      }),
      qualityPanel({
        title: 'Calibration: expected against observed positive rate',
        description:
          'Mean score of the labelled predictions (expected, dashed) against the share of positive labels (observed). A calibrated model keeps the two together; a gap means its scores no longer mean probabilities.',
        unit: 'percentunit',
        dashed: '^expected.*',
        series: [
          ['expectedPositiveRate', 'expected'],
          ['observedPositiveRate', 'observed'],
        ],
      }),
      qualityPanel({
        title: 'Label coverage',
        description:
          'Share of the sampled predictions that have a label. Low in the short window is normal (labels arrive late); quality numbers from little coverage are thin.',
        unit: 'percentunit',
        max: 1,
        series: [['coverage', '']],
      }),
      qualityPanel({
        title: 'Label delay (median, p90)',
        description: 'Time from the prediction to its label: how far behind the quality numbers are.',
        unit: 's',
        series: [
          ['delayMedian', 'p50'],
          ['delayP90', 'p90'],
        ],
      }),
    ],
  };
}
