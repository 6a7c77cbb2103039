import { documentsOfKind, type Spec } from '../../core/spec/parse.ts';
import { type GeneratedFile, type Generator, generatedHeader } from '../types.ts';
import { yamlText } from '../yaml-text.ts';
import { LABELS_RUNBOOK, LABELS_RUNBOOK_FILE, labelAlertRules } from './rules.ts';
import { labelAlertSuite } from './suite.ts';

/** alerts/labels-<monitor>.rules.yml and its promtool suite per LabelMonitor, and their runbook. */
export const labelAlertsGenerator: Generator = {
  name: 'label-alerts',
  owns: [],
  generate: (spec: Spec): GeneratedFile[] => {
    const monitors = documentsOfKind(spec, 'LabelMonitor');
    if (monitors.length === 0) return [];
    return [
      ...monitors.flatMap((m) => {
        const source = `kind LabelMonitor ${m.metadata.name}`;
        return [
          {
            path: `alerts/labels-${m.metadata.name}.rules.yml`,
            content: `${generatedHeader(source)}${yamlText(labelAlertRules(m.metadata.name, m.spec))}`,
          },
          {
            path: `alerts/tests/labels-${m.metadata.name}.test.yml`,
            content: `${generatedHeader(`${source}; promtool test rules`)}${yamlText(
              labelAlertSuite(m.metadata.name, m.spec, `../labels-${m.metadata.name}.rules.yml`),
            )}`,
          },
        ];
      }),
      {
        path: LABELS_RUNBOOK_FILE,
        content: `<!-- ${generatedHeader('kind LabelMonitor', '').trim()} -->\n${LABELS_RUNBOOK}`,
      },
    ];
  },
};
