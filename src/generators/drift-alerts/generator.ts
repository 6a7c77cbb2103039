import { documentsOfKind, type Spec } from '../../core/spec/parse.ts';
import { type GeneratedFile, type Generator, generatedHeader } from '../types.ts';
import { yamlText } from '../yaml-text.ts';
import { DRIFT_RUNBOOK, driftAlertRules } from './rules.ts';

/** alerts/drift-<monitor>.rules.yml per DriftMonitor, and the runbook its alerts point at. */
export const driftAlertsGenerator: Generator = {
  name: 'drift-alerts',
  owns: [],
  generate: (spec: Spec): GeneratedFile[] => {
    const monitors = documentsOfKind(spec, 'DriftMonitor');
    if (monitors.length === 0) return [];
    return [
      ...monitors.map((m) => ({
        path: `alerts/drift-${m.metadata.name}.rules.yml`,
        content: `${generatedHeader(`kind DriftMonitor ${m.metadata.name}`)}${yamlText(
          driftAlertRules({
            name: m.metadata.name,
            model: m.spec.model,
            forDuration: m.spec.interval,
            runbookUrl: (anchor) => `alerts/DRIFT-RUNBOOK.md#${anchor}`,
          }),
        )}`,
      })),
      {
        path: 'alerts/DRIFT-RUNBOOK.md',
        content: `<!-- ${generatedHeader('kind DriftMonitor', '').trim()} -->\n${DRIFT_RUNBOOK}`,
      },
    ];
  },
};
