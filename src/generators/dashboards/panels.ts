import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  StackingConfigBuilder,
  StackingMode,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  FieldColorBuilder,
  FieldColorModeId,
  MappingType,
  type Panel,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanelBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE } from './variables.ts';

/** One PromQL query of a panel; `legend` is Grafana's legendFormat (`{{label}}`). */
export interface Query {
  expr: string;
  legend: string;
  /** Latest value only (stat panels): Grafana sends an instant query. */
  instant?: boolean;
}

/**
 * Colour bands: `base` below the first step, then each step's colour from its value up.
 * Every panel states its thresholds, even when the only band is informational, so a
 * reader never wonders whether a default 80 is meant (Grafana's default is red at 80).
 */
export interface Thresholds {
  base: string;
  steps?: ReadonlyArray<{ value: number; color: string }>;
}

interface PanelCommon {
  title: string;
  /** What the panel answers and how to read it (shown as the panel's (i) tooltip). */
  description: string;
  /** A Grafana unit id: s, µs, percentunit, reqps, bytes, watt, short, none, suffix:×. */
  unit: string;
  thresholds: Thresholds;
  queries: readonly Query[];
  width?: number;
  height?: number;
  min?: number;
  max?: number;
  decimals?: number;
  noValue?: string;
  /** Value-to-text maps (e.g. circuit state 0/1/2 -> closed/half-open/open). */
  mappings?: ReadonlyArray<{ value: number; text: string; color: string }>;
}

export interface TimeseriesOptions extends PanelCommon {
  /** How the thresholds are drawn: SLO lines are dashed; `off` for informational bands. */
  thresholdLines?: 'dashed' | 'line' | 'area' | 'off';
  stack?: 'normal' | 'percent';
  /** Series (by legend regex) drawn dashed, e.g. a threshold or a configured target. */
  dashedSeries?: string;
  /** Fixed colours by legend name, e.g. one per serving tier. */
  colors?: Readonly<Record<string, string>>;
}

export type PanelBuilderAny = cog.Builder<Panel>;

function thresholdsConfig(t: Thresholds): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([{ value: null, color: t.base }, ...(t.steps ?? []).map((s) => ({ value: s.value, color: s.color }))]);
}

function valueMappings(mappings: PanelCommon['mappings']): ValueMapping[] {
  if (!mappings || mappings.length === 0) return [];
  return [
    {
      type: MappingType.ValueToText,
      options: Object.fromEntries(
        mappings.map((m, index) => [String(m.value), { text: m.text, color: m.color, index }]),
      ),
    },
  ];
}

function targets(queries: readonly Query[]): DataqueryBuilder[] {
  return queries.map((q, i) => {
    const target = new DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + i))
      .expr(q.expr)
      .legendFormat(q.legend);
    return q.instant ? target.instant() : target.range();
  });
}

/** Settings every panel kind shares; the builders have the same methods but no common type. */
function applyCommon<
  B extends {
    title(t: string): B;
    description(d: string): B;
    datasource(d: typeof DATASOURCE): B;
    unit(u: string): B;
    thresholds(t: ThresholdsConfigBuilder): B;
    targets(t: DataqueryBuilder[]): B;
    span(w: number): B;
    height(h: number): B;
    min(m: number): B;
    max(m: number): B;
    decimals(d: number): B;
    noValue(n: string): B;
    mappings(m: ValueMapping[]): B;
  },
>(builder: B, o: PanelCommon): B {
  let b = builder
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .unit(o.unit)
    .thresholds(thresholdsConfig(o.thresholds))
    .targets(targets(o.queries))
    .span(o.width ?? 12)
    .height(o.height ?? 8);
  if (o.min !== undefined) b = b.min(o.min);
  if (o.max !== undefined) b = b.max(o.max);
  if (o.decimals !== undefined) b = b.decimals(o.decimals);
  if (o.noValue !== undefined) b = b.noValue(o.noValue);
  if (o.mappings) b = b.mappings(valueMappings(o.mappings));
  return b;
}

const THRESHOLD_STYLE = {
  dashed: GraphThresholdsStyleMode.Dashed,
  line: GraphThresholdsStyleMode.Line,
  area: GraphThresholdsStyleMode.LineAndArea,
  off: GraphThresholdsStyleMode.Off,
} as const;

export function timeseries(o: TimeseriesOptions): PanelBuilderAny {
  let b = applyCommon(new TimeseriesPanelBuilder(), o)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Bottom)
        .calcs(['mean', 'max', 'lastNotNull']),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending))
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(THRESHOLD_STYLE[o.thresholdLines ?? 'off']))
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.PaletteClassic))
    .lineWidth(1)
    .fillOpacity(o.stack ? 60 : 10)
    .showPoints(VisibilityMode.Never)
    .spanNulls(false);
  if (o.stack) {
    b = b.stacking(
      new StackingConfigBuilder().mode(o.stack === 'percent' ? StackingMode.Percent : StackingMode.Normal),
    );
  }
  if (o.dashedSeries) {
    b = b.overrideByRegexp(o.dashedSeries, [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      { id: 'custom.fillOpacity', value: 0 },
    ]);
  }
  for (const [name, color] of Object.entries(o.colors ?? {})) {
    b = b.overrideByName(name, [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }]);
  }
  return b;
}

export interface StatOptions extends PanelCommon {
  /** Show the series name rather than its value (e.g. the current A/B decision). */
  showName?: boolean;
}

export function stat(o: StatOptions): PanelBuilderAny {
  return applyCommon(new StatPanelBuilder(), { width: 6, height: 4, ...o })
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
    .colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.Area)
    .textMode(o.showName ? BigValueTextMode.Name : BigValueTextMode.ValueAndName)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/** Discrete states over time (circuit breaker, chaos outcome): one coloured band per series. */
export function stateTimeline(o: PanelCommon): PanelBuilderAny {
  return applyCommon(new StateTimelinePanelBuilder(), o)
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
    .showValue(VisibilityMode.Auto)
    .mergeValues(true)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List));
}
