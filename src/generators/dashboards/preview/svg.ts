import { segments } from '../../../core/chart/gaps.ts';
import { niceTicks } from '../../../core/chart/scale.ts';
import { formatValue } from './format-unit.ts';

/**
 * A small, dependency-free SVG line chart: enough to show a reviewer what a dashboard's
 * main time series looks like with real data, without Grafana (which cannot run here).
 * Pure: series in, SVG text out.
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

const BACKGROUND = '#181B1F';
const TEXT = '#CCCCDC';
const GRID = '#2C3235';
/** Legend entries shown (two columns); the rest are counted. */
const MAX_LEGEND_ENTRIES = 16;
const LEGEND_ROW = 18;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}

function clock(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(11, 19);
}

export function renderTimeseriesSvg(series: readonly PreviewSeries[], options: PreviewOptions): string {
  const width = options.width ?? 1000;
  const columns = series.length > 6 ? 2 : 1;
  const shown = Math.min(series.length, MAX_LEGEND_ENTRIES);
  const legendRows = Math.ceil(shown / columns) + 1; // + one row for thresholds off scale / more series
  const plotHeight = options.height ?? 300;
  const top = options.subtitle ? 52 : 36;
  const left = 84;
  const right = 16;
  const plotBottom = top + plotHeight;
  const height = plotBottom + 30 + legendRows * LEGEND_ROW + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Inter, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="${BACKGROUND}"/>`,
    `<text x="12" y="22" fill="${TEXT}" font-size="14" font-weight="600">${escapeXml(options.title)}</text>`,
  ];
  if (options.subtitle) {
    parts.push(`<text x="12" y="40" fill="#8E8E8E" font-size="11">${escapeXml(options.subtitle)}</text>`);
  }
  const finite = series.flatMap((s) => segments(s.points).flat());
  if (finite.length === 0) {
    parts.push(
      `<rect x="${left}" y="${top}" width="${width - left - right}" height="${plotHeight}" fill="none" stroke="${GRID}"/>`,
      `<text x="${(left + width - right) / 2}" y="${top + plotHeight / 2}" fill="${TEXT}" text-anchor="middle" font-size="14">No data</text>`,
    );
    if (options.emptyNote) {
      parts.push(
        `<text x="${(left + width - right) / 2}" y="${top + plotHeight / 2 + 20}" fill="#8E8E8E" text-anchor="middle">${escapeXml(options.emptyNote)}</text>`,
      );
    }
    parts.push('</svg>');
    return `${parts.join('\n')}\n`;
  }
  const times = finite.map((p) => p[0]);
  const values = finite.map((p) => p[1]);
  const tMin = Math.min(...times);
  const tMax = Math.max(...times);
  let yMin = Math.min(0, ...values);
  let yMax = Math.max(...values);
  if (yMax === yMin) yMax = yMin + (Math.abs(yMin) || 1);
  const yTicks = niceTicks(yMin, yMax);
  yMin = yTicks[0] ?? yMin;
  yMax = yTicks[yTicks.length - 1] ?? yMax;
  const x = (t: number) => left + (tMax === tMin ? 0.5 : (t - tMin) / (tMax - tMin)) * (width - left - right);
  const y = (v: number) => plotBottom - ((v - yMin) / (yMax - yMin)) * plotHeight;
  for (const tick of yTicks) {
    const py = y(tick).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${py}" y2="${py}" stroke="${GRID}"/>`,
      `<text x="${left - 6}" y="${py}" fill="${TEXT}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatValue(tick, options.unit))}</text>`,
    );
  }
  const xTicks = 6;
  for (let i = 0; i <= xTicks; i++) {
    const t = tMin + ((tMax - tMin) * i) / xTicks;
    const px = x(t).toFixed(1);
    const anchor = i === 0 ? 'start' : i === xTicks ? 'end' : 'middle';
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${top}" y2="${plotBottom}" stroke="${GRID}"/>`,
      `<text x="${px}" y="${plotBottom + 16}" fill="${TEXT}" text-anchor="${anchor}">${clock(t)}</text>`,
    );
  }
  const offScale: PreviewThreshold[] = [];
  for (const threshold of options.thresholds ?? []) {
    const color = NAMED_COLORS[threshold.color] ?? threshold.color;
    if (threshold.value < yMin || threshold.value > yMax) {
      offScale.push(threshold);
      continue;
    }
    const py = y(threshold.value).toFixed(1);
    parts.push(
      `<line class="threshold" x1="${left}" x2="${width - right}" y1="${py}" y2="${py}" stroke="${color}" stroke-dasharray="8 6"/>`,
    );
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    for (const segment of segments(s.points)) {
      const points = segment.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      parts.push(
        `<polyline class="series" fill="none" stroke="${color}" stroke-width="1.5" points="${points}"><title>${escapeXml(s.name)}</title></polyline>`,
      );
    }
  });
  const legendTop = plotBottom + 36;
  const columnWidth = (width - left - right) / columns;
  const perColumn = Math.ceil(shown / columns);
  series.slice(0, shown).forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const last = [...s.points].reverse().find((p) => Number.isFinite(p[1]));
    const lx = left + Math.floor(i / perColumn) * columnWidth;
    const ly = legendTop + (i % perColumn) * LEGEND_ROW;
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="14" height="4" fill="${color}"/>`,
      `<text x="${lx + 22}" y="${ly - 4}" fill="${TEXT}">${escapeXml(s.name)}${last ? ` (last ${escapeXml(formatValue(last[1], options.unit))})` : ''}</text>`,
    );
  });
  const notes: string[] = [];
  if (series.length > shown) notes.push(`… and ${series.length - shown} more series`);
  if (offScale.length > 0) {
    notes.push(`threshold lines off scale: ${offScale.map((t) => formatValue(t.value, options.unit)).join(', ')}`);
  }
  if (notes.length > 0) {
    parts.push(
      `<text x="${left}" y="${legendTop + perColumn * LEGEND_ROW - 4}" fill="#8E8E8E">${escapeXml(notes.join('; '))}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
