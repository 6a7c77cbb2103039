import { parseAllDocuments } from 'yaml';
import { fromZodIssues, type SpecIssue, SpecValidationError } from '../spec/errors.ts';
import { API_VERSION } from '../spec/kinds/common.ts';
import { type SloDocument, sloDocument } from '../spec/kinds/slo.ts';
import { tierThreshold } from './arithmetic.ts';
import { OPENSLO_V1ALPHA, v1alphaToV1 } from './openslo-v1alpha.ts';
import type { ResolvedSlo } from './resolve.ts';
import { severityFor } from './resolve.ts';
import { BURN_TIERS, burnFactor, formatDuration } from './windows.ts';

/**
 * OpenSLO v1 (https://github.com/OpenSLO/OpenSLO, apiVersion openslo/v1) export and import;
 * import also reads openslo/v1alpha, as Sloth publishes it (openslo-v1alpha.ts).
 * Export writes each SLO with its SLI as raw Prometheus counter queries (ratioMetric,
 * Occurrences) or a per-slice indicator (thresholdMetric, Timeslices), and the burn tiers
 * as inline AlertPolicies. Import accepts what steadystate can evaluate: one objective,
 * a rolling 28d/30d window, Prometheus ratio metrics over counters, or threshold metrics
 * with time slices. What our schema adds (model, grouping, criticality) travels in
 * `steadystate.dev/*` annotations.
 */

export const OPENSLO_API = 'openslo/v1';
const ANNOTATION = 'steadystate.dev';

type Json = Record<string, unknown>;

function source(query: string): Json {
  return { metricSource: { type: 'Prometheus', spec: { query } } };
}

export function exportOpenSlo(slo: ResolvedSlo): Json {
  const { sli } = slo;
  const annotations: Record<string, string> = {
    [`${ANNOTATION}/model`]: slo.model,
    [`${ANNOTATION}/criticality`]: slo.critical ? 'critical' : 'non-critical',
    [`${ANNOTATION}/min-event-rate`]: String(slo.alerting.minEventRate),
    [`${ANNOTATION}/outage-error-ratio`]: String(slo.alerting.outageErrorRatio),
    [`${ANNOTATION}/outage-min-bad-events`]: String(slo.alerting.outageMinBadEvents),
  };
  if (slo.groupBy.length > 0) annotations[`${ANNOTATION}/group-by`] = slo.groupBy.join(',');
  const indicatorSpec =
    sli.kind === 'ratio'
      ? {
          ratioMetric: {
            counter: true,
            ...(sli.good !== undefined ? { good: source(sli.good) } : { bad: source(sli.bad as string) }),
            total: source(sli.total),
          },
        }
      : { thresholdMetric: source(sli.threshold.query) };
  const objective =
    sli.kind === 'ratio'
      ? { displayName: slo.name, target: slo.objective }
      : {
          displayName: slo.name,
          op: sli.threshold.op,
          value: sli.threshold.value,
          target: slo.objective,
          timeSliceTarget: 1,
          timeSliceWindow: formatDuration(sli.sliceSec),
        };
  return {
    apiVersion: OPENSLO_API,
    kind: 'SLO',
    metadata: { name: slo.name, displayName: slo.description || slo.name, annotations },
    spec: {
      ...(slo.description ? { description: slo.description } : {}),
      service: slo.model,
      indicator: { metadata: { name: `${slo.name}-sli`, displayName: sli.describe }, spec: indicatorSpec },
      timeWindow: [{ duration: slo.period, isRolling: true }],
      budgetingMethod: sli.kind === 'ratio' ? 'Occurrences' : 'Timeslices',
      objectives: [objective],
      alertPolicies: BURN_TIERS.map((tier) => ({
        kind: 'AlertPolicy',
        metadata: { name: `${slo.name}-${tier.name}-burn` },
        spec: {
          description: `${formatDuration(tier.long)}/${formatDuration(tier.short)} burn over ${burnFactor(tier, slo.periodSec)}x (error ratio ${tierThreshold(tier, slo.objective, slo.periodSec)})`,
          alertWhenBreaching: true,
          conditions: [
            {
              kind: 'AlertCondition',
              metadata: { name: `${slo.name}-${tier.name}` },
              spec: {
                severity: severityFor(slo, tier.severity),
                condition: {
                  kind: 'burnrate',
                  op: 'gt',
                  threshold: burnFactor(tier, slo.periodSec),
                  lookbackWindow: formatDuration(tier.long),
                  alertAfter: formatDuration(tier.short),
                },
              },
            },
          ],
        },
      })),
    },
  };
}

const PERIOD_ALIASES: Record<string, '28d' | '30d'> = {
  '28d': '28d',
  '4w': '28d',
  '30d': '30d',
  '720h': '30d',
  '672h': '28d',
};

/**
 * Converts OpenSLO v1 text into steadystate SLO documents. SLI documents referenced by
 * indicatorRef may sit in the same text. Every problem is collected and reported with its
 * document and field.
 */
export function importOpenSlo(text: string, file = 'openslo.yaml'): SloDocument[] {
  const issues: SpecIssue[] = [];
  const docs = parseAllDocuments(text);
  const values = (Array.isArray(docs) ? docs : [docs]).map((d, i) => {
    if (d.errors.length > 0) {
      issues.push({
        document: i,
        kind: undefined,
        name: undefined,
        path: '',
        message: `YAML: ${d.errors[0]?.message}`,
      });
      return undefined;
    }
    return d.toJS() as Json | null;
  });
  const slis = new Map<string, Json>();
  values.forEach((v) => {
    if (v && v.kind === 'SLI') slis.set(String((v.metadata as Json | undefined)?.name), v.spec as Json);
  });
  // v1alpha (what Sloth publishes) becomes v1 first; its problems name the v1alpha fields.
  const slos: { v: Json; document: number }[] = [];
  values.forEach((v, document) => {
    if (v?.kind !== 'SLO') return;
    if (v.apiVersion !== OPENSLO_V1ALPHA) {
      slos.push({ v, document });
      return;
    }
    const name =
      typeof (v.metadata as Json | undefined)?.name === 'string' ? String((v.metadata as Json).name) : undefined;
    const converted = v1alphaToV1(v);
    for (const i of converted.issues) issues.push({ document, kind: 'SLO', name, ...i });
    for (const slo of converted.slos) slos.push({ v: slo, document });
  });
  const out: SloDocument[] = [];
  slos.forEach(({ v, document }) => {
    const metadata = (v.metadata ?? {}) as Json;
    const name = typeof metadata.name === 'string' ? metadata.name : undefined;
    const issue = (path: string, message: string) => issues.push({ document, kind: 'SLO', name, path, message });
    if (v.apiVersion !== OPENSLO_API) {
      issue('apiVersion', `expected "${OPENSLO_API}" or "${OPENSLO_V1ALPHA}", got ${JSON.stringify(v.apiVersion)}`);
      return;
    }
    const spec = (v.spec ?? {}) as Json;
    const annotations = (metadata.annotations ?? {}) as Record<string, string>;
    const windows = (spec.timeWindow ?? []) as Json[];
    const window = windows[0];
    const period = window ? PERIOD_ALIASES[String(window.duration)] : undefined;
    if (windows.length !== 1 || !window || window.isRolling !== true || !period) {
      issue(
        'spec.timeWindow',
        `steadystate evaluates one rolling window of 28d or 30d; got ${JSON.stringify(spec.timeWindow ?? null)}`,
      );
    }
    const objectives = (spec.objectives ?? []) as Json[];
    const objective = objectives[0];
    if (objectives.length !== 1 || !objective) {
      issue(
        'spec.objectives',
        `steadystate takes exactly one objective per SLO; got ${objectives.length} (split them into SLOs)`,
      );
      return;
    }
    const target =
      typeof objective.target === 'number'
        ? objective.target
        : typeof objective.targetPercent === 'number'
          ? objective.targetPercent / 100
          : undefined;
    if (target === undefined) issue('spec.objectives[0].target', 'needs target (0-1) or targetPercent (0-100)');
    let indicator = (spec.indicator as Json | undefined)?.spec as Json | undefined;
    if (!indicator && typeof spec.indicatorRef === 'string') {
      indicator = slis.get(spec.indicatorRef);
      if (!indicator) issue('spec.indicatorRef', `no SLI document named "${spec.indicatorRef}" in ${file}`);
    }
    if (!indicator) {
      if (!spec.indicatorRef) issue('spec.indicator', 'needs an indicator (or an indicatorRef to an SLI document)');
      return;
    }
    const method = String(spec.budgetingMethod ?? 'Occurrences');
    const query = (part: unknown, path: string): string | undefined => {
      const ms = (part as Json | undefined)?.metricSource as Json | undefined;
      const type = String(ms?.type ?? '');
      const q = (ms?.spec as Json | undefined)?.query;
      if (!ms || typeof q !== 'string') {
        issue(path, 'needs metricSource.spec.query (a Prometheus query)');
        return undefined;
      }
      if (!/^(prometheus|any)$/i.test(type)) issue(`${path}.metricSource.type`, `"${type}" is not Prometheus`);
      return q;
    };
    let sli: Json | undefined;
    const base = 'spec.indicator.spec';
    if (indicator.ratioMetric) {
      const ratio = indicator.ratioMetric as Json;
      if (method !== 'Occurrences') {
        issue('spec.budgetingMethod', `a ratioMetric is evaluated by Occurrences here; got ${method}`);
      }
      if (ratio.counter === false) {
        issue(
          `${base}.ratioMetric.counter`,
          'steadystate reads counters (counter: true) and applies rate(...[window]) itself',
        );
      }
      const total = query(ratio.total, `${base}.ratioMetric.total`);
      const good = ratio.good ? query(ratio.good, `${base}.ratioMetric.good`) : undefined;
      const bad = ratio.bad ? query(ratio.bad, `${base}.ratioMetric.bad`) : undefined;
      if (!good && !bad) issue(`${base}.ratioMetric`, 'needs good or bad next to total');
      if (total) sli = { events: { ...(good ? { good } : { bad }), total } };
    } else if (indicator.thresholdMetric) {
      if (method !== 'Timeslices') {
        issue(
          'spec.budgetingMethod',
          'a thresholdMetric with Occurrences is a per-event threshold steadystate cannot evaluate from Prometheus; use Timeslices, or a ratioMetric with a histogram bucket as good',
        );
      }
      const q = query(indicator.thresholdMetric, `${base}.thresholdMetric`);
      const op = String(objective.op ?? '');
      if (!['gt', 'gte', 'lt', 'lte'].includes(op))
        issue('spec.objectives[0].op', `needs op gt, gte, lt or lte; got "${op}"`);
      if (typeof objective.value !== 'number') issue('spec.objectives[0].value', 'needs a numeric value');
      if (typeof objective.timeSliceWindow !== 'string') {
        issue('spec.objectives[0].timeSliceWindow', 'needs a slice such as "1m"');
      }
      if (q) sli = { timeslice: { query: q, op, value: objective.value, slice: objective.timeSliceWindow } };
    } else {
      issue(base, 'needs ratioMetric or thresholdMetric');
    }
    if (!sli || target === undefined || !period) return;
    const groupBy = annotations[`${ANNOTATION}/group-by`];
    const alerting = Object.fromEntries(
      (
        [
          ['minEventRate', 'min-event-rate'],
          ['outageErrorRatio', 'outage-error-ratio'],
          ['outageMinBadEvents', 'outage-min-bad-events'],
        ] as const
      )
        .filter(([, key]) => annotations[`${ANNOTATION}/${key}`] !== undefined)
        .map(([field, key]) => [field, Number(annotations[`${ANNOTATION}/${key}`])]),
    );
    const candidate = {
      apiVersion: API_VERSION,
      kind: 'SLO',
      metadata: {
        name,
        ...(typeof metadata.displayName === 'string' && metadata.displayName !== name
          ? { description: metadata.displayName }
          : {}),
      },
      spec: {
        model: annotations[`${ANNOTATION}/model`] ?? spec.service,
        ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
        objective: target,
        period,
        ...(annotations[`${ANNOTATION}/criticality`] ? { criticality: annotations[`${ANNOTATION}/criticality`] } : {}),
        ...(groupBy ? { groupBy: groupBy.split(',') } : {}),
        sli,
        ...(Object.keys(alerting).length > 0 ? { alerting } : {}),
      },
    };
    const parsed = sloDocument.safeParse(candidate);
    if (!parsed.success) {
      issues.push(...fromZodIssues(parsed.error.issues, { document, kind: 'SLO', name }));
      return;
    }
    out.push(parsed.data);
  });
  if (issues.length > 0) throw new SpecValidationError(file, issues);
  return out;
}
