import { alertPolicyOf, slosOf } from '../../core/slo/resolve.ts';
import { documentsOfKind, type Spec } from '../../core/spec/parse.ts';
import { type GeneratedFile, type Generator, generatedHeader } from '../types.ts';
import { yamlText } from '../yaml-text.ts';
import { alertmanagerConfig } from './alertmanager.ts';
import { sloRules } from './rules.ts';
import { runbookMarkdown } from './runbook.ts';
import { servingRules, servingSuite } from './serving.ts';
import { sloSuites } from './suites.ts';

/**
 * alerts/: per SLO a rule file (recording + alerting rules) and two promtool suites (page
 * tiers at 15s resolution, ticket tiers over days at 5m), the playbook's serving alerts
 * with their suite, the Alertmanager config and the runbook every runbook_url points at.
 */
export const ALERTS_DIR = 'alerts';

export function sloRuleFile(name: string): string {
  return `${ALERTS_DIR}/slo-${name}.rules.yml`;
}

export const SERVING_RULE_FILE = `${ALERTS_DIR}/serving.rules.yml`;
export const ALERTMANAGER_FILE = `${ALERTS_DIR}/alertmanager.yml`;
export const RUNBOOK_FILE = `${ALERTS_DIR}/RUNBOOK.md`;

export const sloAlertsGenerator: Generator = {
  name: 'slo-alerts',
  owns: [ALERTS_DIR],
  generate: (spec: Spec): GeneratedFile[] => {
    const slos = slosOf(spec);
    const policy = alertPolicyOf(spec);
    const options = policy.runbookBaseUrl ? { runbookBaseUrl: policy.runbookBaseUrl } : {};
    const files: GeneratedFile[] = [];
    const yamlFile = (path: string, source: string, value: unknown) =>
      files.push({ path, content: `${generatedHeader(source)}${yamlText(value)}` });
    for (const slo of slos) {
      const rules = sloRules(slo, options);
      const source = `kind SLO ${slo.name}`;
      yamlFile(sloRuleFile(slo.name), source, rules);
      const suites = sloSuites(slo, rules, `../slo-${slo.name}.rules.yml`);
      if (suites) {
        yamlFile(`${ALERTS_DIR}/tests/slo-${slo.name}.page.test.yml`, `${source}; promtool test rules`, suites.page);
        yamlFile(
          `${ALERTS_DIR}/tests/slo-${slo.name}.ticket.test.yml`,
          `${source}; promtool test rules`,
          suites.ticket,
        );
      }
    }
    const stack = documentsOfKind(spec, 'Stack')[0];
    if (stack) {
      yamlFile(SERVING_RULE_FILE, 'kind Stack and AlertPolicy', servingRules(stack.spec, policy));
      yamlFile(
        `${ALERTS_DIR}/tests/serving.test.yml`,
        'kind Stack and AlertPolicy; promtool test rules',
        servingSuite(stack.spec, policy, '../serving.rules.yml'),
      );
    }
    yamlFile(ALERTMANAGER_FILE, 'kind AlertPolicy; amtool check-config', alertmanagerConfig(policy));
    files.push({
      path: RUNBOOK_FILE,
      content: runbookMarkdown(slos, `${generatedHeader('kinds SLO and AlertPolicy', '<!--').trimEnd()} -->`),
    });
    return files;
  },
};
