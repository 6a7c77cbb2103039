import { DEPLOY } from '../../core/metrics/names.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { DeploymentSpec } from '../../core/spec/kinds/deployment.ts';

/**
 * The deploy-speed SLO as Prometheus rules over the pushed histogram: the share of deploys
 * within the target (a recording rule the dashboard and `slo report` read the same way),
 * a ticket when it falls below the objective, and a ticket for any deploy over the limit.
 * Deploys are rare events, so these are tickets, never pages.
 */
export const DEPLOY_SPEED_RATIO = DEPLOY.speedRatio;

export function deployAlertRules(name: string, spec: DeploymentSpec) {
  const model = JSON.stringify(spec.registry.name);
  const target = parseDuration(spec.slo.target);
  const limit = parseDuration(spec.slo.limit);
  const bucket = (le: string) => `sum by (model) (${DEPLOY.duration}_bucket{model=${model}, le="${le}"})`;
  return {
    groups: [
      {
        name: `deploy-${name}`,
        rules: [
          { record: DEPLOY_SPEED_RATIO, expr: `${bucket(String(target))} / ${bucket('+Inf')}` },
          {
            alert: 'DeploySpeedSLOMissed',
            expr: `${DEPLOY_SPEED_RATIO}{model=${model}} < ${spec.slo.objective}`,
            labels: { severity: 'ticket', burn_tier: 'none', deployment: name },
            annotations: {
              summary: `Fewer than ${spec.slo.objective * 100}% of ${spec.registry.name} deploys reach production within ${spec.slo.target}`,
              description: `deploy-speed SLO of Deployment ${name}: {{ $value | humanizePercentage }} of deploys within ${spec.slo.target}; see \`steadystate deploy-status\` for the stage durations of the slow ones.`,
            },
          },
          {
            alert: 'DeployOverLimit',
            expr: `(${bucket('+Inf')} - ${bucket(String(limit))}) > 0`,
            labels: { severity: 'ticket', burn_tier: 'none', deployment: name },
            annotations: {
              summary: `A ${spec.registry.name} deploy took longer than ${spec.slo.limit}`,
              description: `{{ $value }} deploy(s) of Deployment ${name} took over the ${spec.slo.limit} limit.`,
            },
          },
        ],
      },
    ],
  };
}
