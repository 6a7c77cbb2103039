import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  type AnnotationQueryBuilder,
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  RowBuilder,
  type VariableModel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { generatedHeader } from '../types.ts';
import type { PanelBuilderAny } from './panels.ts';

export interface Row {
  title: string;
  /** Repeat the row (and its panels) once per value of this template variable. */
  repeat?: string;
  panels: PanelBuilderAny[];
}

export interface DashboardDefinition {
  /** Stable: links and bookmarks survive every regeneration. At most 40 characters (Grafana). */
  uid: string;
  title: string;
  /** The builder file, named in the DO-NOT-EDIT note. */
  source: string;
  summary: string;
  tags: string[];
  variables: cog.Builder<VariableModel>[];
  rows: Row[];
  annotations?: AnnotationQueryBuilder[];
}

/** Every steadystate dashboard carries this tag; the link menu lists them all. */
export const DASHBOARD_TAG = 'steadystate';

export function assemble(def: DashboardDefinition): Dashboard {
  const builder = new DashboardBuilder(def.title)
    .uid(def.uid)
    .description(`${generatedHeader(def.source, '').trim()} ${def.summary}`)
    .tags([DASHBOARD_TAG, ...def.tags])
    .readonly()
    .timezone('browser')
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    .tooltip(DashboardCursorSync.Crosshair)
    .link(
      new DashboardLinkBuilder('steadystate')
        .type(DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    )
    .variables(def.variables);
  for (const annotation of def.annotations ?? []) builder.annotation(annotation);
  for (const row of def.rows) {
    const rowBuilder = new RowBuilder(row.title);
    builder.withRow(row.repeat ? rowBuilder.repeat(row.repeat) : rowBuilder);
    for (const panel of row.panels) builder.withPanel(panel);
  }
  const dashboard = numberPanels(builder.build());
  // Grafana's dashboard model reads annotations.list unguarded when it adds its built-in
  // "Annotations & Alerts" query; an empty list is valid, a missing one is not.
  dashboard.annotations.list ??= [];
  // The SDK defaults placement to "inControlsMenu" (Grafana 12's hidden controls menu);
  // without it the chaos-run toggles and the dashboard links show on the dashboard, in
  // every Grafana version.
  for (const item of [...dashboard.annotations.list, ...(dashboard.links ?? [])]) delete item.placement;
  return dashboard;
}

/** Panel ids in layout order, from 1: stable as long as the layout is. */
function numberPanels(dashboard: Dashboard): Dashboard {
  let next = 1;
  for (const panel of dashboard.panels ?? []) {
    panel.id = next++;
    if ('panels' in panel) for (const inner of panel.panels) inner.id = next++;
  }
  return dashboard;
}
