import { documentsOfKind, type Spec } from '../../core/spec/parse.ts';
import { type GeneratedFile, type Generator, generatedHeader } from '../types.ts';
import { yamlText } from '../yaml-text.ts';
import { DEPLOY_RUNBOOK, DEPLOY_RUNBOOK_PATH, deployAlertRules } from './rules.ts';
import { deployAlertSuite } from './suite.ts';

/** alerts/deploy-<deployment>.rules.yml per Deployment (the deploy-speed SLO's rule and alerts), its promtool suite, and the runbook. */
export const deployAlertsGenerator: Generator = {
  name: 'deploy-alerts',
  owns: [],
  generate: (spec: Spec): GeneratedFile[] => {
    const deployments = documentsOfKind(spec, 'Deployment');
    if (deployments.length === 0) return [];
    return [
      ...deployments.flatMap((d) => [
        {
          path: `alerts/deploy-${d.metadata.name}.rules.yml`,
          content: `${generatedHeader(`kind Deployment ${d.metadata.name}`)}${yamlText(deployAlertRules(d.metadata.name, d.spec))}`,
        },
        {
          path: `alerts/tests/deploy-${d.metadata.name}.test.yml`,
          content: `${generatedHeader(`kind Deployment ${d.metadata.name}; promtool test rules`)}${yamlText(deployAlertSuite(d.metadata.name, d.spec))}`,
        },
      ]),
      {
        path: DEPLOY_RUNBOOK_PATH,
        content: `<!-- ${generatedHeader('kind Deployment', '').trim()} -->\n${DEPLOY_RUNBOOK}`,
      },
    ];
  },
};
