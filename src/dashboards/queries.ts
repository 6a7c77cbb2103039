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
  templating?: { list?: Array<{ name: string; type: string; query?: unknown }> };
  annotations?: { list?: Array<{ name: string; expr?: string; builtIn?: number }> };
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
export function variableSelector(query: string): string {
  const match = LABEL_VALUES.exec(query.trim());
  if (!match) {
    throw new Error(
      `variable query "${query}" is not label_values(<selector>, <label>); extend variableSelector to check it`,
    );
  }
  return match[1] as string;
}

export function dashboardQueries(dashboard: DashboardModel): DashboardQuery[] {
  const uid = dashboard.uid ?? '(no uid)';
  const queries: DashboardQuery[] = [];
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const text = typeof variable.query === 'string' ? variable.query : (variable.query as { query?: string })?.query;
    if (!text) throw new Error(`${uid}: variable ${variable.name} has no query`);
    queries.push({
      dashboard: uid,
      source: 'variable',
      name: variable.name,
      refId: 'var',
      expr: variableSelector(text),
    });
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
