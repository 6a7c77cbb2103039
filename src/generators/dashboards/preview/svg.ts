import { segments } from '../../../core/chart/gaps.ts';
import { niceTicks } from '../../../core/chart/scale.ts';
import { escapeXml, frame, type InlineStyle, legend, lineChart, referenceLine } from '../../../core/chart/svg.ts';
import { formatValue } from './format-unit.ts';

/**
 * A dashboard panel's preview: enough to show a reviewer what a dashboard's main time series
 * looks like with real data, without Grafana (which cannot run here). Pure: series in, SVG
 * text out, drawn by the shared chart renderer in core/chart/svg.ts.
 */

export interface PreviewSeries {
  name: string;
  /** [unix seconds, value]; NaN and ±Inf are gaps, as in Grafana. */
  points: ReadonlyArray<readonly [number, number]>;
}

export interface PreviewThreshold {
  value: number;
  color: string;
}

export interface PreviewOptions {
  title: string;
  unit: string;
  thresholds?: readonly PreviewThreshold[];
  /** Shown instead of the plot when there is no finite point (e.g. why there is no data). */
  emptyNote?: string;
  /** A line under the title: where the data came from. */
  subtitle?: string;
  width?: number;
  height?: number;
}

/** Grafana's classic palette, in its order. */
export const PALETTE = [
  '#7EB26D',
  '#EAB839',
  '#6ED0E0',
  '#EF843C',
  '#E24D42',
  '#1F78C1',
  '#BA43A9',
  '#705DA0',
  '#508642',
  '#CCA300',
];

const NAMED_COLORS: Record<string, string> = {
  green: '#73BF69',
  orange: '#FF9830',
  red: '#F2495C',
  'dark-red': '#C4162A',
  yellow: '#FADE2A',
  blue: '#5794F2',
  text: '#CCCCDC',
};

/** Grafana's dark theme: a preview is a standalone image, so its colours are written inline. */
const DARK: InlineStyle = {
  background: '#181B1F',
  text: '#CCCCDC',
  muted: '#8E8E8E',
  grid: '#2C3235',
  font: 'Inter, Helvetica, Arial, sans-serif',
};
/** Legend entries shown (two columns); the rest are counted. */
const MAX_LEGEND_ENTRIES = 16;
const LEGEND_ROW = 18;
const X_TICKS = 6;

function clock(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(11, 19);
}

/**
 * The dashboard's main time series drawn by the shared chart renderer (core/chart/svg.ts):
 * this adds Grafana's look (dark theme, palette, clock times, the panel's unit, thresholds,
 * a legend with each series' last value).
 */
export function renderTimeseriesSvg(series: readonly PreviewSeries[], options: PreviewOptions): string {
  const width = options.width ?? 1000;
  const columns = series.length > 6 ? 2 : 1;
  const shown = Math.min(series.length, MAX_LEGEND_ENTRIES);
  const legendRows = Math.ceil(shown / columns) + 1; // + one row for thresholds off scale / more series
  const plotHeight = options.height ?? 300;
  const top = options.subtitle ? 52 : 36;
  const plotBottom = top + plotHeight;
  const height = plotBottom + 30 + legendRows * LEGEND_ROW + 10;
  const margin = { left: 84, right: 16, top, bottom: height - plotBottom };
  const format = (v: number) => formatValue(v, options.unit);
  const finite = series.flatMap((s) => segments(s.points).flat());
  let tMin = 0;
  let tMax = 1;
  let yTicks: number[] = [];
  if (finite.length > 0) {
    const times = finite.map((p) => p[0]);
    const values = finite.map((p) => p[1]);
    tMin = Math.min(...times);
    tMax = Math.max(...times);
    const yMin = Math.min(0, ...values);
    let yMax = Math.max(...values);
    if (yMax === yMin) yMax = yMin + (Math.abs(yMin) || 1);
    yTicks = niceTicks(yMin, yMax);
  }
  const yRange = [yTicks[0] ?? 0, yTicks[yTicks.length - 1] ?? 1] as const;
  const f = frame({ width, height, margin, t: [tMin, tMax], y: yRange, style: DARK });
  const timeTicks =
    finite.length === 0
      ? []
      : Array.from({ length: X_TICKS + 1 }, (_, i) => {
          const t = tMin + ((tMax - tMin) * i) / X_TICKS;
          return { t, label: clock(t), anchor: i === 0 ? 'start' : i === X_TICKS ? 'end' : 'middle' } as const;
        });
  const offScale: PreviewThreshold[] = [];
  const thresholds: string[] = [];
  for (const threshold of finite.length === 0 ? [] : (options.thresholds ?? [])) {
    if (threshold.value < yRange[0] || threshold.value > yRange[1]) offScale.push(threshold);
    else {
      const color = NAMED_COLORS[threshold.color] ?? threshold.color;
      thresholds.push(referenceLine(f, { value: threshold.value, color, dash: '8 6', className: 'threshold' }));
    }
  }
  const colored = series.map((s, i) => ({
    name: s.name,
    color: PALETTE[i % PALETTE.length] as string,
    points: s.points,
  }));
  const legendTop = plotBottom + 36;
  const items = colored.slice(0, shown).map((s) => {
    const last = [...s.points].reverse().find((p) => Number.isFinite(p[1]));
    return { name: last ? `${s.name} (last ${format(last[1])})` : s.name, color: s.color };
  });
  const notes: string[] = [];
  if (finite.length > 0 && series.length > shown) notes.push(`… and ${series.length - shown} more series`);
  if (offScale.length > 0) notes.push(`threshold lines off scale: ${offScale.map((t) => format(t.value)).join(', ')}`);
  const perColumn = Math.ceil(shown / columns);
  const legendSvg =
    (finite.length === 0 ? '' : legend(f, items, { kind: 'grid', top: legendTop, columns, rowHeight: LEGEND_ROW })) +
    (notes.length > 0
      ? `<text class="note" x="${margin.left}" y="${legendTop + perColumn * LEGEND_ROW - 4}" fill="${DARK.muted}">${escapeXml(notes.join('; '))}</text>`
      : '');
  const svg = lineChart({
    frame: f,
    title: options.title,
    ...(options.subtitle ? { subtitle: options.subtitle } : {}),
    titleX: 12,
    timeTicks,
    valueTicks: yTicks,
    valueFormat: format,
    series: colored,
    noData: 'No data',
    ...(options.emptyNote ? { noDataNote: options.emptyNote } : {}),
    decorations: thresholds.join(''),
    legend: legendSvg,
    strokeWidth: 1.5,
  });
  return `${svg}\n`;
}
