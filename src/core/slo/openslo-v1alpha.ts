/**
 * OpenSLO v1alpha, the version Sloth reads and publishes (sloth/internal/storage/io/openslo.go,
 * examples/openslo-*.yml), rewritten as the v1 documents `importOpenSlo` evaluates:
 * - `objectives[].ratioMetrics.{good,bad,total}` with `source: prometheus | sloth`,
 *   `queryType: promql` and queries such as `sum(rate(x_total{...}[{{.window}}]))`, Sloth's
 *   window template: steadystate applies rate(...[window]) itself, so it keeps the selector;
 * - `timeWindows: [{count: 30, unit: Day}]` (absent: 30 days, as in Sloth);
 * - several objectives in one SLO become one SLO each, named `<name>-<index>` as Sloth names
 *   them; a single objective keeps the SLO's name.
 */

export const OPENSLO_V1ALPHA = 'openslo/v1alpha';

type Json = Record<string, unknown>;

export interface V1alphaIssue {
  path: string;
  message: string;
}

/** `sum(rate(sel[{{.window}}]))`, `rate(sel[{{.window}}])` or a bare counter selector -> the selector. */
const WINDOWED =
  /^\s*(?:sum\s*\(\s*)?(?:rate|increase)\s*\(\s*(.+?)\s*\[\s*\{\{\s*\.window\s*\}\}\s*\]\s*\)\s*(?:\)\s*)?$/s;

export function counterSelector(query: string): string | undefined {
  const m = WINDOWED.exec(query);
  if (m) {
    const open = (query.match(/\(/g) ?? []).length;
    const close = (query.match(/\)/g) ?? []).length;
    return open === close ? m[1] : undefined;
  }
  return /\[|\brate\s*\(|\bincrease\s*\(|\{\{/.test(query) ? undefined : query.trim();
}

function source(part: unknown, path: string, issues: V1alphaIssue[]): Json | undefined {
  const p = (part ?? {}) as Json;
  if (typeof p.query !== 'string') {
    issues.push({ path, message: 'needs source, queryType and query (a PromQL counter query)' });
    return undefined;
  }
  if (!/^(prometheus|sloth)$/i.test(String(p.source ?? ''))) {
    issues.push({ path: `${path}.source`, message: `"${String(p.source)}" is not prometheus (or sloth)` });
  }
  if (String(p.queryType ?? 'promql') !== 'promql') {
    issues.push({ path: `${path}.queryType`, message: `"${String(p.queryType)}" is not promql` });
  }
  const selector = counterSelector(p.query);
  if (selector === undefined) {
    issues.push({
      path: `${path}.query`,
      message: `${JSON.stringify(p.query)} is not a counter steadystate can window: write sum(rate(<counter selector>[{{.window}}])) as Sloth does, or the bare counter selector`,
    });
    return undefined;
  }
  return { metricSource: { type: 'Prometheus', spec: { query: selector } } };
}

/** The v1 SLO documents of one v1alpha SLO document, with the problems found on the way. */
export function v1alphaToV1(doc: Json): { slos: Json[]; issues: V1alphaIssue[] } {
  const issues: V1alphaIssue[] = [];
  const metadata = (doc.metadata ?? {}) as Json;
  const spec = (doc.spec ?? {}) as Json;
  const windows = (spec.timeWindows ?? [{ count: 30, unit: 'Day', isRolling: true }]) as Json[];
  const window = windows[0];
  let duration: string | undefined;
  if (windows.length !== 1 || !window || String(window.unit ?? '').toLowerCase() !== 'day') {
    issues.push({
      path: 'spec.timeWindows',
      message: `steadystate evaluates one rolling window of 28 or 30 days; got ${JSON.stringify(spec.timeWindows)}`,
    });
  } else if (window.isRolling === false) {
    issues.push({
      path: 'spec.timeWindows[0].isRolling',
      message: 'calendar windows are not supported; use a rolling one',
    });
  } else if (window.count !== 28 && window.count !== 30) {
    issues.push({
      path: 'spec.timeWindows[0].count',
      message: `steadystate evaluates rolling windows of 28 or 30 days; got ${JSON.stringify(window.count)}`,
    });
  } else {
    duration = `${String(window.count)}d`;
  }
  const objectives = (spec.objectives ?? []) as Json[];
  if (objectives.length === 0) issues.push({ path: 'spec.objectives', message: 'needs at least one objective' });
  const slos: Json[] = [];
  objectives.forEach((objective, i) => {
    const base = `spec.objectives[${i}]`;
    const ratio = objective.ratioMetrics as Json | undefined;
    if (!ratio) {
      issues.push({ path: `${base}.ratioMetrics`, message: 'needs ratioMetrics (good or bad, and total)' });
      return;
    }
    const total = source(ratio.total, `${base}.ratioMetrics.total`, issues);
    const good = ratio.good ? source(ratio.good, `${base}.ratioMetrics.good`, issues) : undefined;
    const bad = ratio.bad ? source(ratio.bad, `${base}.ratioMetrics.bad`, issues) : undefined;
    if (!ratio.good && !ratio.bad)
      issues.push({ path: `${base}.ratioMetrics`, message: 'needs good or bad next to total' });
    if (!total || !(good || bad) || duration === undefined) return;
    const name = objectives.length === 1 ? metadata.name : `${String(metadata.name)}-${i}`;
    slos.push({
      apiVersion: 'openslo/v1',
      kind: 'SLO',
      metadata: { ...metadata, name },
      spec: {
        ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
        service: spec.service,
        indicator: { spec: { ratioMetric: { counter: true, ...(good ? { good } : { bad }), total } } },
        timeWindow: [{ duration, isRolling: true }],
        budgetingMethod: spec.budgetingMethod ?? 'Occurrences',
        objectives: [
          {
            ...(objective.target !== undefined ? { target: objective.target } : {}),
            ...(objective.targetPercent !== undefined ? { targetPercent: objective.targetPercent } : {}),
          },
        ],
      },
    });
  });
  return { slos, issues };
}
