import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Spec } from '../../core/spec/parse.ts';
import { experimentsDashboard } from './experiments.ts';
import { overviewDashboard } from './overview.ts';
import { sloDashboard } from './slo.ts';
import { stackValues } from './stack-values.ts';
import { tritonDashboard } from './triton.ts';

export interface DashboardFile {
  /** Path relative to the project root, e.g. dashboards/triton.json. */
  path: string;
  dashboard: Dashboard;
}

export const DASHBOARDS_DIR = 'dashboards';

/** Every dashboard, built from the spec. Pure: the generator writes them, the tests read them. */
export function buildDashboards(spec: Spec): DashboardFile[] {
  const stack = stackValues(spec);
  return [
    { path: `${DASHBOARDS_DIR}/overview.json`, dashboard: overviewDashboard(stack) },
    { path: `${DASHBOARDS_DIR}/slo.json`, dashboard: sloDashboard(stack) },
    { path: `${DASHBOARDS_DIR}/triton.json`, dashboard: tritonDashboard(stack) },
    { path: `${DASHBOARDS_DIR}/experiments.json`, dashboard: experimentsDashboard(stack) },
  ];
}
