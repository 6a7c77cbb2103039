/** Prometheus rule files as plain objects (https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/). */

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

export function isAlertingRule(rule: Rule): rule is AlertingRule {
  return 'alert' in rule;
}

/** Where each alert's runbook section lives: `alerts/RUNBOOK.md#<lower-case alert name>`. */
export function runbookUrl(alert: string, baseUrl?: string): string {
  const path = `alerts/RUNBOOK.md#${runbookAnchor(alert)}`;
  return baseUrl ? `${baseUrl.replace(/\/+$/, '')}/${path}` : path;
}

/** GitHub's heading slug for a heading that is just the alert name. */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}
