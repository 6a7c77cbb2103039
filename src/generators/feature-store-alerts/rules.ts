import { FEATURE_STORE } from '../../core/metrics/names.ts';
import type { AlertingRule } from '../../core/slo/rule-types.ts';

/** The most skewed share of predictions a feature may show before the skew alert fires. */
export const SKEW_MISMATCH_ALERT_RATIO = 0.01;

/**
 * Feature-store alerts: a view whose newest online value is older than its TTL (training
 * joins would no longer see it, so serving and training disagree), and train/serve skew
 * above 1% of predictions for a feature.
 */
export function featureStoreAlertRules(views: readonly { name: string; ttlSeconds: number; ttl: string }[]): {
  groups: { name: string; rules: AlertingRule[] }[];
} {
  const runbook = (alert: string) => `alerts/FEATURE-STORE-RUNBOOK.md#${alert.toLowerCase()}`;
  const rules: AlertingRule[] = views.map((v) => ({
    alert: 'FeatureViewStale',
    expr: `${FEATURE_STORE.freshness}{view="${v.name}"} > ${v.ttlSeconds}`,
    for: '5m',
    labels: { severity: 'ticket', burn_tier: 'none', view: v.name },
    annotations: {
      summary: `Feature view ${v.name}: newest online value older than its TTL (${v.ttl})`,
      description: `The newest materialized value of ${v.name} is {{ $value | humanizeDuration }} old, beyond the view's TTL of ${v.ttl}: point-in-time training rows would not use values this old, so the gateway serves features training never sees. Materialization (feast materialize-incremental) is failing or not scheduled.`,
      runbook_url: runbook('FeatureViewStale'),
    },
  }));
  rules.push({
    alert: 'FeatureTrainServeSkew',
    expr: `${FEATURE_STORE.skewMismatch} > ${SKEW_MISMATCH_ALERT_RATIO}`,
    labels: { severity: 'ticket', burn_tier: 'none' },
    annotations: {
      summary: 'Train/serve skew on feature {{ $labels.feature }}',
      description: `{{ $value | humanizePercentage }} of the logged predictions served {{ $labels.feature }} with a value other than the point-in-time offline value (more than ${SKEW_MISMATCH_ALERT_RATIO * 100}%): the serving computation differs from training's. Run \`steadystate drift skew --feast-data\` for the largest differences.`,
      runbook_url: runbook('FeatureTrainServeSkew'),
    },
  });
  return { groups: [{ name: 'steadystate-feature-store', rules }] };
}

export const FEATURE_STORE_RUNBOOK = `# Runbook: feature store

## FeatureViewStale
The newest value of a Feast feature view in the online Redis is older than the view's TTL.
1. Check the materialization schedule (the game day's feature-store phase, or your cron of
   \`feast materialize-incremental\`) and its log.
2. Run \`.venv-feast/bin/python serving/feature_repo/feast_tool.py materialize\` with
   \`STEADYSTATE_FEAST_DATA\` and \`STEADYSTATE_FEAST_REDIS\` set; it prints the seconds taken.
3. If the offline data itself is old, the upstream pipeline that writes the Parquet files stopped.

## FeatureTrainServeSkew
Served feature values differ from the point-in-time offline values for the same user and time.
1. \`steadystate drift skew --log .steadystate/predictions.jsonl --feast-data serving/data/feast\`
   lists the features and the largest differences.
2. A whole feature mismatching (rate near 1) is a different computation online (window,
   units, default); a few mismatches are late data or a missed materialization.
`;
