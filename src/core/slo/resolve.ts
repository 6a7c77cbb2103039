import { type SpecIssue, SpecValidationError } from '../spec/errors.ts';
import { type AlertPolicySpec, defaultAlertPolicy } from '../spec/kinds/alert-policy.ts';
import { parseDuration } from '../spec/kinds/common.ts';
import type { ErrorBudgetPolicySpec } from '../spec/kinds/error-budget-policy.ts';
import type { SloDocument } from '../spec/kinds/slo.ts';
import { documentsOfKind, type Spec } from '../spec/parse.ts';
import { errorBudget } from './arithmetic.ts';
import { type CompiledSli, compileSli } from './sli.ts';
import { type Period, periodSeconds, type Severity } from './windows.ts';

/** An SLO document with everything derived once: budget, period in seconds, compiled SLI. */
export interface ResolvedSlo {
  name: string;
  model: string;
  description: string;
  objective: number;
  budget: number;
  period: Period;
  periodSec: number;
  critical: boolean;
  /** Labels each series is computed per, besides `slo` and `model` (e.g. variant). */
  groupBy: string[];
  sli: CompiledSli;
  alerting: {
    minEventRate: number;
    outageErrorRatio: number;
    outageMinBadEvents: number;
    absentForSec: number;
    exhaustedForSec: number;
  };
  document: SloDocument;
}

/** Severity of a tier for this SLO: non-critical SLOs turn every page into a ticket. */
export function severityFor(slo: ResolvedSlo, severity: Severity): Severity {
  return slo.critical ? severity : 'ticket';
}

export function resolveSlo(doc: SloDocument): ResolvedSlo {
  const s = doc.spec;
  return {
    name: doc.metadata.name,
    model: s.model,
    description: s.description ?? doc.metadata.description ?? '',
    objective: s.objective,
    budget: errorBudget(s.objective),
    period: s.period,
    periodSec: periodSeconds(s.period),
    critical: s.criticality === 'critical',
    groupBy: [...s.groupBy],
    sli: compileSli(s),
    alerting: {
      minEventRate: s.alerting.minEventRate,
      outageErrorRatio: s.alerting.outageErrorRatio,
      outageMinBadEvents: s.alerting.outageMinBadEvents,
      absentForSec: parseDuration(s.alerting.absentFor),
      exhaustedForSec: parseDuration(s.alerting.exhaustedFor),
    },
    document: doc,
  };
}

/**
 * Every SLO of the spec, checked against the other documents: the model must be a model
 * of the Stack, policies must name existing SLOs, AlertPolicy appears at most once.
 * Throws SpecValidationError naming each document and field.
 */
export function slosOf(spec: Spec): ResolvedSlo[] {
  const issues = crossDocumentIssues(spec);
  if (issues.length > 0) throw new SpecValidationError(spec.file, issues);
  return documentsOfKind(spec, 'SLO').map(resolveSlo);
}

export function alertPolicyOf(spec: Spec): AlertPolicySpec {
  return documentsOfKind(spec, 'AlertPolicy')[0]?.spec ?? defaultAlertPolicy();
}

export function errorBudgetPoliciesOf(spec: Spec): { name: string; spec: ErrorBudgetPolicySpec }[] {
  return documentsOfKind(spec, 'ErrorBudgetPolicy').map((d) => ({ name: d.metadata.name, spec: d.spec }));
}

export function crossDocumentIssues(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const where = (kind: string, name: string) => ({
    document: spec.documents.findIndex((d) => d.kind === kind && d.metadata.name === name),
    kind,
    name,
  });
  const stacks = documentsOfKind(spec, 'Stack');
  const models = new Map(stacks.flatMap((s) => s.spec.models.map((m) => [m.name, m] as const)));
  const slos = documentsOfKind(spec, 'SLO');
  for (const slo of slos) {
    if (stacks.length > 0 && !models.has(slo.spec.model)) {
      issues.push({
        ...where('SLO', slo.metadata.name),
        path: 'spec.model',
        message: `"${slo.spec.model}" is not a model of the Stack; expected one of ${[...models.keys()].join(', ')}`,
      });
    }
  }
  const policies = documentsOfKind(spec, 'AlertPolicy');
  if (policies.length > 1) {
    issues.push({
      ...where('AlertPolicy', policies[1]?.metadata.name ?? ''),
      path: '',
      message: `expected at most one AlertPolicy, found ${policies.length} (${policies.map((p) => p.metadata.name).join(', ')})`,
    });
  }
  const names = new Set(slos.map((s) => s.metadata.name));
  for (const policy of documentsOfKind(spec, 'ErrorBudgetPolicy')) {
    (policy.spec.slos ?? []).forEach((name, i) => {
      if (!names.has(name)) {
        issues.push({
          ...where('ErrorBudgetPolicy', policy.metadata.name),
          path: `spec.slos[${i}]`,
          message: `no SLO named "${name}"; the SLOs are ${[...names].join(', ') || '(none)'}`,
        });
      }
    });
  }
  return issues;
}
