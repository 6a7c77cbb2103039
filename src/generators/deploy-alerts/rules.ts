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
export const DEPLOY_RUNBOOK_PATH = 'alerts/DEPLOY-RUNBOOK.md';

/** What the on-call does when a deploy-speed ticket arrives (sections match the alert names). */
export const DEPLOY_RUNBOOK = `# Runbook: deploy speed

The playbook's deployment SLO: a new model in production within the target (10 minutes) for
95% of deploys, every deploy within the limit (30 minutes). Durations run from the start of
\`steadystate deploy\` (or the registry webhook) to 100% or a rollback, from the deploy journals.

## DeploySpeedSLOMissed
Fewer deploys than the objective reached production within the target.
1. \`steadystate deploy-status fraud\` lists each recent deploy's stages with their durations:
   find the stage that grew (validate retrying a registry or store outage, a long shadow, a
   canary step waiting for enough requests at low traffic).
2. A canary step that waits for requests: lower \`canary.minRequestsPerStep\` or route more
   traffic to the canary step; a validation that retries: check MLflow and the object store.
3. Deploys are rare: one slow deploy moves the ratio a lot; read the count in the description.

## DeployOverLimit
A deploy took longer than the limit.
1. \`steadystate deploy-status fraud\`: a deploy left running (crashed deploy service) resumes
   from its journal with \`steadystate deploy fraud --version N\` again; a stuck one is rolled back.
2. Check \`slo gate\`: a deploy that waited for the error budget counts its wait too.
`;

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
              runbook_url: `${DEPLOY_RUNBOOK_PATH}#deployspeedslomissed`,
            },
          },
          {
            alert: 'DeployOverLimit',
            expr: `(${bucket('+Inf')} - ${bucket(String(limit))}) > 0`,
            labels: { severity: 'ticket', burn_tier: 'none', deployment: name },
            annotations: {
              summary: `A ${spec.registry.name} deploy took longer than ${spec.slo.limit}`,
              description: `{{ $value }} deploy(s) of Deployment ${name} took over the ${spec.slo.limit} limit.`,
              runbook_url: `${DEPLOY_RUNBOOK_PATH}#deployoverlimit`,
            },
          },
        ],
      },
    ],
  };
}
