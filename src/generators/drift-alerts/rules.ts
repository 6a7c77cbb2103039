import { DRIFT } from '../../core/metrics/names.ts';

/**
 * Prometheus alerting rules over the drift watcher's gauges, one group per DriftMonitor.
 * The watcher decides (effect size with enough data, core/drift/verdict.ts); the rules only
 * route its verdicts: a feature drifting is a ticket, P(label) shifting beyond the
 * playbook's 10% is a ticket too (a model quietly going wrong is rarely a 3 a.m. page),
 * and a silent watcher is a ticket, since "no data" must never read as "no drift".
 */
export interface DriftAlertInput {
  name: string;
  model: string;
  /** How long a verdict must hold before it notifies (the monitor's evaluation interval). */
  forDuration: string;
  runbookUrl: (anchor: string) => string;
}

export function driftAlertRules(input: DriftAlertInput) {
  const m = JSON.stringify(input.model);
  return {
    groups: [
      {
        name: `drift-${input.name}`,
        rules: [
          {
            alert: 'FeatureDrift',
            expr: `max by (model, feature) (${DRIFT.detected}{model=${m}, feature!="prediction_rate"}) == 1`,
            for: input.forDuration,
            labels: { severity: 'ticket', burn_tier: 'none', monitor: input.name },
            annotations: {
              summary: `Input feature {{ $labels.feature }} of ${input.model} drifted from its training baseline`,
              description: `The drift watcher (${input.name}) found feature {{ $labels.feature }} beyond its effect-size tolerance with enough data; see drift_score and drift_threshold for the statistic.`,
              runbook_url: input.runbookUrl('featuredrift'),
            },
          },
          {
            alert: 'PredictionRateShift',
            expr: `max by (model) (${DRIFT.detected}{model=${m}, feature="prediction_rate"}) == 1`,
            for: input.forDuration,
            labels: { severity: 'ticket', burn_tier: 'none', monitor: input.name },
            annotations: {
              summary: `P(fraud=1) of ${input.model} shifted beyond tolerance from its baseline`,
              description: `The share of positive predictions moved by more than the monitor's tolerance (the playbook: 10%) with an anytime-valid interval excluding no change; drift_prediction_rate_relative_change has the size.`,
              runbook_url: input.runbookUrl('predictionrateshift'),
            },
          },
          {
            alert: 'DriftWatcherSilent',
            expr: `absent(${DRIFT.samples}{model=${m}})`,
            for: '15m',
            labels: { severity: 'ticket', burn_tier: 'none', monitor: input.name },
            annotations: {
              summary: `No drift verdicts for ${input.model}`,
              description:
                'The drift watcher publishes no window: it is down, or the gateway counters are missing. No data is not "no drift".',
              runbook_url: input.runbookUrl('driftwatchersilent'),
            },
          },
        ],
      },
    ],
  };
}

export const DRIFT_RUNBOOK = `# Drift runbook

## FeatureDrift
An input feature's distribution left its training baseline beyond the effect-size tolerance
(Wasserstein / PSI for numbers, Jensen-Shannon / category share for categories), with at least
the monitor's minimum samples. Check the upstream producer of the feature (schema change, unit
change, a new merchant mix), compare \`steadystate drift check\` on a recent prediction log, and
decide between fixing the feature pipeline and retraining on recent data.

## PredictionRateShift
P(fraud=1) moved by more than the tolerance (the playbook: 10%). Look at FeatureDrift first; if
inputs are stable, suspect a model or threshold change (A/B weights, a new version) or a real
change in fraud. Compare with delayed labels before retraining.

## DriftWatcherSilent
\`steadystate drift watch\` is not publishing: restart it, and check that Prometheus has
\`inference_feature_bin_total\` from the gateways.
`;
