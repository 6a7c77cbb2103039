import { DEPLOY } from '../../core/metrics/names.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { DeploymentSpec } from '../../core/spec/kinds/deployment.ts';
import { deployAlertRules } from './rules.ts';

/**
 * promtool unit tests of the deploy-speed alerts on a histogram of 20 deploys: 19 within the
 * target (95%, exactly the objective) is silent, 18 (90%) is a DeploySpeedSLOMissed ticket;
 * one deploy over the limit is a DeployOverLimit ticket, none is silent.
 */
export function deployAlertSuite(name: string, spec: DeploymentSpec) {
  const rules = deployAlertRules(name, spec).groups[0]?.rules ?? [];
  const annotationsOf = (alert: string): Record<string, string> =>
    rules.find((r) => 'alert' in r && r.alert === alert)?.annotations ?? {};
  const model = spec.registry.name;
  const target = String(parseDuration(spec.slo.target));
  const limit = String(parseDuration(spec.slo.limit));
  const bucket = (le: string, count: number) => ({
    series: `${DEPLOY.duration}_bucket{model="${model}",le="${le}"}`,
    values: `${count}x5`,
  });
  const labels = { severity: 'ticket', burn_tier: 'none', deployment: name, model };
  const missed = annotationsOf('DeploySpeedSLOMissed');
  const over = annotationsOf('DeployOverLimit');
  return {
    rule_files: [`../deploy-${name}.rules.yml`],
    evaluation_interval: '1m',
    tests: [
      {
        name: '19 of 20 deploys within the target (the objective exactly): silent',
        interval: '1m',
        input_series: [bucket(target, 19), bucket(limit, 20), bucket('+Inf', 20)],
        alert_rule_test: [
          { eval_time: '2m', alertname: 'DeploySpeedSLOMissed', exp_alerts: [] },
          { eval_time: '2m', alertname: 'DeployOverLimit', exp_alerts: [] },
        ],
      },
      {
        name: '18 of 20 within the target and one over the limit: both tickets',
        interval: '1m',
        input_series: [bucket(target, 18), bucket(limit, 19), bucket('+Inf', 20)],
        alert_rule_test: [
          {
            eval_time: '2m',
            alertname: 'DeploySpeedSLOMissed',
            exp_alerts: [
              {
                exp_labels: labels,
                exp_annotations: {
                  ...missed,
                  description: (missed.description ?? '').replace('{{ $value | humanizePercentage }}', '90%'),
                },
              },
            ],
          },
          {
            eval_time: '2m',
            alertname: 'DeployOverLimit',
            exp_alerts: [
              {
                exp_labels: labels,
                exp_annotations: { ...over, description: (over.description ?? '').replace('{{ $value }}', '1') },
              },
            ],
          },
        ],
      },
    ],
  };
}
