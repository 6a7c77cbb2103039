import { LABELS } from '../../core/metrics/names.ts';
import { num } from '../../core/promql/builder.ts';
import type { AlertingRule, RuleFile } from '../../core/slo/rule-types.ts';
import type { LabelMonitorSpec } from '../../core/spec/kinds/label-monitor.ts';

export const LABEL_ALERTS = { belowBaseline: 'LabelQualityBelowBaseline', silent: 'LabelQualitySilent' } as const;

export const LABELS_RUNBOOK_FILE = 'alerts/LABELS-RUNBOOK.md';

/**
 * One rule per variant with a baseline: the PR AUC from labels in the alert window below
 * baseline - tolerance, only while the window holds at least minLabels labels and
 * minPositives positives (core/labels/verdict.ts decides the same way for `labels report`).
 * At a 1% fraud rate, PR AUC on a handful of positives swings by tenths; thin data never
 * alerts. A ticket: a model going quietly wrong is a working-hours problem.
 */
export function labelAlertRules(name: string, spec: LabelMonitorSpec): RuleFile {
  const runbook = (alert: string) => `${LABELS_RUNBOOK_FILE}#${alert.toLowerCase()}`;
  const rules: AlertingRule[] = Object.entries(spec.baselines).map(([variant, { baseline }]) => {
    const sel = `{model=${JSON.stringify(spec.model)}, variant=${JSON.stringify(variant)}, window=${JSON.stringify(spec.alertWindow)}}`;
    const floor = baseline.prAuc - spec.tolerance;
    return {
      alert: LABEL_ALERTS.belowBaseline,
      expr: `${LABELS.prAuc}${sel} < ${num(Number(floor.toFixed(6)))}\nand on (model, variant, window)\n${LABELS.labelled}${sel} >= ${spec.minLabels}\nand on (model, variant, window)\n${LABELS.positives}${sel} >= ${spec.minPositives}`,
      for: spec.for,
      // variant as a rule label too: one rule per variant, distinct for promtool's duplicate check.
      labels: { severity: 'ticket', burn_tier: 'none', monitor: name, variant },
      annotations: {
        summary: `${spec.model} ${variant}: PR AUC from labels {{ $value | humanize }} over ${spec.alertWindow}, below its holdout ${num(baseline.prAuc)} - ${num(spec.tolerance)}`,
        description: `Delayed ground-truth labels (at least ${spec.minLabels}, ${spec.minPositives} positive) say variant ${variant} ranks fraud worse than on its holdout split (PR AUC ${num(baseline.prAuc)}); drift alone cannot say this. See \`steadystate labels report\` for precision, recall and calibration.`,
        runbook_url: runbook(LABEL_ALERTS.belowBaseline),
      },
    };
  });
  rules.push({
    alert: LABEL_ALERTS.silent,
    expr: `absent(${LABELS.baseline}{model=${JSON.stringify(spec.model)}})`,
    for: '1h',
    labels: { severity: 'ticket', burn_tier: 'none', monitor: name },
    annotations: {
      summary: `No label-quality gauges for ${spec.model}`,
      description: `\`steadystate labels serve\` (${name}) is not scraped: no quality verdict from labels. No data is not "still right".`,
      runbook_url: runbook(LABEL_ALERTS.silent),
    },
  });
  return { groups: [{ name: `labels-${name}`, rules }] };
}

export const LABELS_RUNBOOK = `# Label-quality alerts

Generated from the \`LabelMonitor\` documents of steadystate.yaml (src/generators/label-alerts/).

## ${LABEL_ALERTS.belowBaseline.toLowerCase()}

A variant's PR AUC from delayed labels fell below its holdout PR AUC minus the tolerance, with
enough labels and positives to say so.

1. \`steadystate labels report\`: which variant, which window; precision or recall, or both?
   Calibration (expected vs observed positive rate) apart means the scores drifted.
2. Compare with the drift dashboard: input drift plus lower quality suggests retraining;
   quality down without drift suggests label or concept change (fraud patterns moved).
3. Shift traffic to the better variant (\`/admin/models/:model/weights\`) while retraining.

## ${LABEL_ALERTS.silent.toLowerCase()}

No \`label_quality_*\` gauges: \`steadystate labels serve\` is down or not scraped. Restart it;
labels POSTed meanwhile were refused by the client, re-send them (ingestion is idempotent).
`;
