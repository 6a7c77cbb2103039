/**
 * Every PromQL expression a dashboard sends, found in its JSON model: panel targets,
 * annotation queries and the selectors inside `label_values(...)` variables. The lint and
 * live tests run each one against Prometheus; nothing a user would see goes unchecked.
 */

/** The part of Grafana's dashboard JSON model this module reads. */
export interface DashboardModel {
  uid?: string;
  title?: string;
  description?: string;
  panels?: PanelModel[];
  templating?: { list?: VariableModel[] };
  annotations?: { list?: Array<{ name: string; expr?: string; builtIn?: number }> };
}

export interface VariableModel {
  name: string;
  type: string;
  query?: unknown;
  options?: Array<{ text?: string | string[]; value: string | string[] }>;
  allValue?: string;
}

export interface PanelModel {
  id?: number;
  type: string;
  title?: string;
  /** Rows (and panels) repeated per value of this variable. */
  repeat?: string;
  targets?: Array<{ expr?: string; refId?: string; legendFormat?: string; instant?: boolean }>;
  panels?: PanelModel[];
  fieldConfig?: { defaults?: { unit?: string; thresholds?: { steps?: unknown[] } } };
  datasource?: { type?: string; uid?: string };
}

export type QuerySource = 'panel' | 'annotation' | 'variable';

export interface DashboardQuery {
  dashboard: string;
  source: QuerySource;
  /** Panel title, annotation name or variable name. */
  name: string;
  panelId?: number;
  refId: string;
  expr: string;
  legend?: string;
  /** Variables only: the label whose values the variable offers. */
  label?: string;
}

/** Panels in layout order, rows opened (a collapsed row keeps its panels inside). */
export function allPanels(dashboard: DashboardModel): PanelModel[] {
  return (dashboard.panels ?? []).flatMap((p) => (p.type === 'row' ? [p, ...(p.panels ?? [])] : [p]));
}

export function contentPanels(dashboard: DashboardModel): PanelModel[] {
  return allPanels(dashboard).filter((p) => p.type !== 'row');
}

const LABEL_VALUES = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/;

/**
 * The series selector of a Grafana Prometheus variable query. Only `label_values(selector,
 * label)` is used here; any other form is an error, so a new kind of variable query cannot
 * slip past the checks.
 */
export function variableSelector(query: string): { selector: string; label: string } {
  const match = LABEL_VALUES.exec(query.trim());
  if (!match) {
    throw new Error(
      `variable query "${query}" is not label_values(<selector>, <label>); extend variableSelector to check it`,
    );
  }
  return { selector: match[1] as string, label: match[2] as string };
}

export function dashboardQueries(dashboard: DashboardModel): DashboardQuery[] {
  const uid = dashboard.uid ?? '(no uid)';
  const queries: DashboardQuery[] = [];
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const text = typeof variable.query === 'string' ? variable.query : (variable.query as { query?: string })?.query;
    if (!text) throw new Error(`${uid}: variable ${variable.name} has no query`);
    const { selector, label } = variableSelector(text);
    queries.push({ dashboard: uid, source: 'variable', name: variable.name, refId: 'var', expr: selector, label });
  }
  for (const annotation of dashboard.annotations?.list ?? []) {
    if (annotation.builtIn === 1 || !annotation.expr) continue;
    queries.push({ dashboard: uid, source: 'annotation', name: annotation.name, refId: 'anno', expr: annotation.expr });
  }
  for (const panel of contentPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (!target.expr) continue;
      queries.push({
        dashboard: uid,
        source: 'panel',
        name: panel.title ?? '(untitled)',
        ...(panel.id !== undefined ? { panelId: panel.id } : {}),
        refId: target.refId ?? '?',
        expr: target.expr,
        ...(target.legendFormat !== undefined ? { legend: target.legendFormat } : {}),
      });
    }
  }
  return queries;
}

/** A value as Grafana writes it into a Prometheus regex matcher (prometheusSpecialRegexEscape). */
function regexEscape(value: string): string {
  return value.replace(/[\\$^*{}[\]'+?.()|]/g, (c) => `\\\\${c}`);
}

/**
 * Values for every template variable, as Grafana expands them when a user picks every
 * option of each spec-defined (custom) variable and "All" of each query variable:
 * a multi-value selection becomes `(a|b)`, All becomes the variable's allValue.
 * `overrides` pins some (e.g. the namespace a test scraped into).
 */
export function selectionValues(
  dashboard: DashboardModel,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type === 'datasource') continue;
    const options = (v.options ?? []).flatMap((o) => (Array.isArray(o.value) ? o.value : [o.value]));
    if (v.type === 'custom' && options.length > 0) {
      values[v.name] =
        options.length === 1 ? regexEscape(options[0] as string) : `(${options.map(regexEscape).join('|')})`;
    } else {
      values[v.name] = v.allValue ?? '.*';
    }
  }
  return { ...values, ...overrides };
}
