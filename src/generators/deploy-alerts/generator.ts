import { documentsOfKind, type Spec } from '../../core/spec/parse.ts';
import { type GeneratedFile, type Generator, generatedHeader } from '../types.ts';
import { yamlText } from '../yaml-text.ts';
import { deployAlertRules } from './rules.ts';

/** alerts/deploy-<deployment>.rules.yml per Deployment: the deploy-speed SLO's rule and alerts. */
export const deployAlertsGenerator: Generator = {
  name: 'deploy-alerts',
  owns: [],
  generate: (spec: Spec): GeneratedFile[] =>
    documentsOfKind(spec, 'Deployment').map((d) => ({
      path: `alerts/deploy-${d.metadata.name}.rules.yml`,
      content: `${generatedHeader(`kind Deployment ${d.metadata.name}`)}${yamlText(deployAlertRules(d.metadata.name, d.spec))}`,
    })),
};
