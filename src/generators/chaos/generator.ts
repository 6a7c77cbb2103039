import { stringify } from 'yaml';
import { type ChaosTargetDocument, defaultChaosTarget } from '../../core/spec/kinds/chaos-target.ts';
import { API_VERSION } from '../../core/spec/kinds/common.ts';
import { documentsOfKind, stackOf } from '../../core/spec/parse.ts';
import { renderManifests } from '../k8s/objects.ts';
import { type GeneratedFile, type Generator, generatedHeader } from '../types.ts';
import { chaosCronJobs, chaosRbac } from './k8s.ts';
import { chaosAlertRules, chaosRunbookMarkdown } from './schedule-alerts.ts';

const SOURCE = 'src/generators/chaos/generator.ts';

/**
 * Scheduled chaos from the ChaosTarget document: CronJobs and their least-privilege RBAC in
 * chaos/k8s/, the alerts that page when a scheduled experiment failed or stopped running
 * (alerts/chaos.rules.yml), and the runbook they link to (chaos/RUNBOOK.md).
 */
export const chaosScheduleGenerator: Generator = {
  name: 'chaos-schedule',
  owns: ['chaos/k8s', 'alerts/chaos.rules.yml', 'chaos/RUNBOOK.md'],
  generate: (spec) => {
    const stack = stackOf(spec);
    const target: ChaosTargetDocument = documentsOfKind(spec, 'ChaosTarget')[0] ?? {
      apiVersion: API_VERSION,
      kind: 'ChaosTarget',
      metadata: { name: `${stack.metadata.name}-chaos` },
      spec: defaultChaosTarget(),
    };
    const files: GeneratedFile[] = [
      {
        path: 'alerts/chaos.rules.yml',
        content: `${generatedHeader(SOURCE)}${stringify(chaosAlertRules(target.spec), { lineWidth: 0, aliasDuplicateObjects: false })}`,
      },
      {
        path: 'chaos/RUNBOOK.md',
        content: chaosRunbookMarkdown(target.spec, generatedHeader(SOURCE, '<!--').replace(/\n$/, ' -->\n')),
      },
    ];
    if (target.spec.schedules.length > 0) {
      files.push(
        {
          path: 'chaos/k8s/rbac.yaml',
          content: renderManifests(
            `${generatedHeader(SOURCE)}# Scheduled chaos may only get, list, watch and delete pods, in the allow-listed namespaces.\n`,
            chaosRbac(stack, target),
          ),
        },
        {
          path: 'chaos/k8s/cronjobs.yaml',
          content: renderManifests(
            `${generatedHeader(SOURCE)}# One CronJob per ChaosTarget schedule; each run pushes chaos_* gauges to the Pushgateway.\n`,
            chaosCronJobs(stack, target),
          ),
        },
      );
    }
    return files;
  },
};
