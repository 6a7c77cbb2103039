import { LABELS } from '../../core/metrics/names.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { LabelMonitorSpec } from '../../core/spec/kinds/label-monitor.ts';
import { humanize } from '../alerts/go-format.ts';
import type { PromtoolTestFile, TestGroup } from '../alerts/suites.ts';
import { LABEL_ALERTS } from './rules.ts';

/**
 * promtool suite of the label alert, for the first variant with a baseline: fires after
 * `for` when quality is below the floor with enough labels; silent on thin data (labels or
 * positives one short), and at the floor itself.
 */
export function labelAlertSuite(name: string, spec: LabelMonitorSpec, ruleFileFromTests: string): PromtoolTestFile {
  const [variant, entry] = Object.entries(spec.baselines)[0] ?? [];
  if (!variant || !entry) return { rule_files: [ruleFileFromTests], evaluation_interval: '1m', tests: [] };
  const forMinutes = Math.ceil(parseDuration(spec.for) / 60);
  const minutes = forMinutes + 10;
  const labels = { model: spec.model, variant, window: spec.alertWindow };
  const sel = `{model="${spec.model}",variant="${variant}",window="${spec.alertWindow}"}`;
  const floor = Number((entry.baseline.prAuc - spec.tolerance).toFixed(6));
  const low = Number((floor / 2).toFixed(6));
  const series = (prAuc: number, labelled: number, positives: number) => [
    { series: `${LABELS.prAuc}${sel}`, values: `${prAuc}x${minutes}` },
    { series: `${LABELS.labelled}${sel}`, values: `${labelled}x${minutes}` },
    { series: `${LABELS.positives}${sel}`, values: `${positives}x${minutes}` },
    {
      series: `${LABELS.baseline}{model="${spec.model}",variant="${variant}"}`,
      values: `${entry.baseline.prAuc}x${minutes}`,
    },
  ];
  const silent = (title: string, prAuc: number, labelled: number, positives: number): TestGroup => ({
    name: title,
    interval: '1m',
    input_series: series(prAuc, labelled, positives),
    alert_rule_test: [{ eval_time: `${minutes}m`, alertname: LABEL_ALERTS.belowBaseline, exp_alerts: [] }],
  });
  const summary = `${spec.model} ${variant}: PR AUC from labels ${humanize(low)} over ${spec.alertWindow}, below its holdout ${entry.baseline.prAuc} - ${spec.tolerance}`;
  return {
    rule_files: [ruleFileFromTests],
    evaluation_interval: '1m',
    tests: [
      {
        name: `quality below baseline - tolerance with enough labels fires ${LABEL_ALERTS.belowBaseline} after ${spec.for}`,
        interval: '1m',
        input_series: series(low, spec.minLabels, spec.minPositives),
        alert_rule_test: [
          { eval_time: `${forMinutes - 1}m`, alertname: LABEL_ALERTS.belowBaseline, exp_alerts: [] },
          {
            eval_time: `${forMinutes}m`,
            alertname: LABEL_ALERTS.belowBaseline,
            exp_alerts: [
              {
                exp_labels: { ...labels, severity: 'ticket', burn_tier: 'none', monitor: name },
                exp_annotations: {
                  summary,
                  description: `Delayed ground-truth labels (at least ${spec.minLabels}, ${spec.minPositives} positive) say variant ${variant} ranks fraud worse than on its holdout split (PR AUC ${entry.baseline.prAuc}); drift alone cannot say this. See \`steadystate labels report\` for precision, recall and calibration.`,
                  runbook_url: `alerts/LABELS-RUNBOOK.md#${LABEL_ALERTS.belowBaseline.toLowerCase()}`,
                },
              },
            ],
          },
        ],
      },
      silent('thin data: one label short of minLabels never alerts', low, spec.minLabels - 1, spec.minPositives),
      silent('thin data: one positive short of minPositives never alerts', low, spec.minLabels, spec.minPositives - 1),
      silent(
        'quality at the floor (baseline - tolerance) does not alert',
        floor,
        spec.minLabels * 10,
        spec.minPositives * 10,
      ),
    ],
  };
}
