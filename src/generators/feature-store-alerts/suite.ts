import { FEATURE_STORE } from '../../core/metrics/names.ts';
import { featureStoreAlertRules } from './rules.ts';

/**
 * promtool unit tests of the feature-store alerts: a view exactly at its TTL does not alert,
 * one second past it does after 5 minutes; skew at 1% does not alert, above it does.
 */
export function featureStoreAlertSuite(views: readonly { name: string; ttlSeconds: number; ttl: string }[]) {
  const rules = featureStoreAlertRules(views).groups[0]?.rules ?? [];
  const annotationsOf = (alert: string, view?: string) =>
    rules.find((r) => r.alert === alert && (view === undefined || r.labels.view === view))?.annotations ?? {};
  const tests: unknown[] = views.map((v) => ({
    name: `${v.name} past its TTL for 5m fires FeatureViewStale`,
    interval: '1m',
    input_series: [
      { series: `${FEATURE_STORE.freshness}{view="${v.name}"}`, values: `${v.ttlSeconds}x9 ${v.ttlSeconds + 1}x10` },
    ],
    alert_rule_test: [
      { eval_time: '9m', alertname: 'FeatureViewStale', exp_alerts: [] },
      { eval_time: '14m', alertname: 'FeatureViewStale', exp_alerts: [] },
      {
        eval_time: '15m',
        alertname: 'FeatureViewStale',
        exp_alerts: [
          {
            exp_labels: { severity: 'ticket', burn_tier: 'none', view: v.name },
            exp_annotations: {
              ...annotationsOf('FeatureViewStale', v.name),
              description: (annotationsOf('FeatureViewStale', v.name).description ?? '').replace(
                '{{ $value | humanizeDuration }}',
                humanizeDuration(v.ttlSeconds + 1),
              ),
            },
          },
        ],
      },
    ],
  }));
  tests.push({
    name: 'skew above 1% of predictions fires FeatureTrainServeSkew; 1% does not',
    interval: '1m',
    input_series: [
      { series: `${FEATURE_STORE.skewMismatch}{feature="avg_amount_30d"}`, values: '0.5x5' },
      { series: `${FEATURE_STORE.skewMismatch}{feature="customer_age"}`, values: '0.01x5' },
    ],
    alert_rule_test: [
      {
        eval_time: '1m',
        alertname: 'FeatureTrainServeSkew',
        exp_alerts: [
          {
            exp_labels: { severity: 'ticket', burn_tier: 'none', feature: 'avg_amount_30d' },
            exp_annotations: {
              summary: 'Train/serve skew on feature avg_amount_30d',
              description: (annotationsOf('FeatureTrainServeSkew').description ?? '')
                .replace('{{ $value | humanizePercentage }}', '50%')
                .replace('{{ $labels.feature }}', 'avg_amount_30d'),
              runbook_url: annotationsOf('FeatureTrainServeSkew').runbook_url,
            },
          },
        ],
      },
    ],
  });
  return { rule_files: ['../feature-store.rules.yml'], evaluation_interval: '1m', tests };
}

/** Prometheus' humanizeDuration for whole seconds >= 1 day: "2d 0h 0m 1s". */
function humanizeDuration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  return `${d}d ${h}h ${m}m ${s}s`;
}
