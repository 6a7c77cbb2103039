import type { Generator } from '../types.ts';
import { buildDashboards, DASHBOARDS_DIR } from './index.ts';

/**
 * dashboards/*.json: Grafana dashboards (classic JSON model, importable or provisioned from
 * files). JSON has no comments, so the DO-NOT-EDIT note is the first sentence of each
 * dashboard's description.
 */
export const dashboardsGenerator: Generator = {
  name: 'dashboards',
  owns: [DASHBOARDS_DIR],
  generate: (spec) =>
    buildDashboards(spec).map(({ path, dashboard }) => ({
      path,
      content: `${JSON.stringify(dashboard, null, 2)}\n`,
    })),
};
