import { segments } from '../chart/gaps.ts';
import { niceStep } from '../chart/scale.ts';
import { escapeHtml, formatElapsed, formatTimestamp, NO_DATA } from './format.ts';
import type { FaultWindow, TierSharePoint, TimePoint } from './types.ts';

/**
 * Hand-written inline SVG charts (no library, no script, no network): the report must open
 * from a file on a laptop in an incident review, offline. Elements carry class and data-*
 * attributes (data-series, data-points, data-experiment) so a browser test can check what was
 * drawn, not only that a file was written.
 */

export interface ChartSeries {
  name: string;
  color: string;
  points: readonly TimePoint[];
  dashed?: boolean;
}

export interface ReferenceLine {
  value: number;
  label: string;
  color: string;
}

export interface Marker {
  atMs: number;
  label: string;
}

export interface TimeChartOptions {
  id: string;
  title: string;
  startMs: number;
  endMs: number;
  yLabel: string;
  yFormat: (value: number) => string;
  series: readonly ChartSeries[];
  faultWindows: readonly FaultWindow[];
  referenceLines?: readonly ReferenceLine[];
  markers?: readonly Marker[];
  /** The y axis reaches at least this (e.g. the SLO threshold stays in view). */
  yMinTop?: number;
  width?: number;
  height?: number;
}

const MARGIN = { left: 64, right: 20, top: 30, bottom: 34 };

interface Frame {
  width: number;
  height: number;
  plotW: number;
  plotH: number;
  x: (ms: number) => number;
  y: (value: number) => number;
  yTop: number;
}

function frame(o: { startMs: number; endMs: number; width: number; height: number; yTop: number }): Frame {
  const plotW = o.width - MARGIN.left - MARGIN.right;
  const plotH = o.height - MARGIN.top - MARGIN.bottom;
  const span = Math.max(1, o.endMs - o.startMs);
  return {
    width: o.width,
    height: o.height,
    plotW,
    plotH,
    yTop: o.yTop,
    x: (ms) => MARGIN.left + ((ms - o.startMs) / span) * plotW,
    y: (v) => MARGIN.top + plotH - (Math.max(0, v) / o.yTop) * plotH,
  };
}

const r1 = (v: number) => Math.round(v * 10) / 10;

const TIME_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1000);

function timeAxis(f: Frame, startMs: number, endMs: number): string {
  const span = Math.max(1, endMs - startMs);
  const step = TIME_STEPS_MS.find((s) => span / s <= 8) ?? 3600_000 * 4;
  const parts: string[] = [];
  for (let t = 0; t <= span + 1; t += step) {
    const x = r1(f.x(startMs + t));
    parts.push(
      `<line class="grid" x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + f.plotH}"/>`,
      `<text class="tick" x="${x}" y="${MARGIN.top + f.plotH + 16}" text-anchor="middle">${formatElapsed(t)}</text>`,
    );
  }
  return parts.join('');
}

function valueAxis(f: Frame, format: (v: number) => string, label: string): string {
  const step = niceStep(f.yTop / 4);
  const parts: string[] = [];
  for (let v = 0; v <= f.yTop + step * 1e-9; v += step) {
    const y = r1(f.y(v));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + f.plotW}" y1="${y}" y2="${y}"/>`,
      `<text class="tick" x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(format(v))}</text>`,
    );
  }
  parts.push(
    `<text class="axis-label" transform="translate(14 ${MARGIN.top + f.plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(label)}</text>`,
  );
  return parts.join('');
}

/** Font size of fault labels (html.ts styles .fault-label at 10px) and a generous glyph width for it. */
const FAULT_LABEL_PX = 10;
const FAULT_LABEL_CHAR_PX = 6.2;
const FAULT_LABEL_GAP_PX = 6;

/** The width a fault label takes on the chart, estimated (no font metrics offline): 0.62 em per character. */
export function faultLabelWidth(text: string): number {
  return text.length * FAULT_LABEL_CHAR_PX;
}

/**
 * Which row each fault label goes in. A window of a few seconds is a few pixels wide, its
 * label a hundred: labels of windows close together used to print over each other. Greedy
 * interval layout, in order of x: each label takes the first row whose last label ends (plus
 * a gap) before it starts, else a new row below. Pure, so the layout is unit-tested.
 */
export function faultLabelRows(labels: readonly { x: number; width: number }[]): number[] {
  const order = labels.map((_, i) => i).sort((a, b) => (labels[a] as { x: number }).x - (labels[b] as { x: number }).x);
  const rowEnds: number[] = [];
  const rows = new Array<number>(labels.length).fill(0);
  for (const i of order) {
    const { x, width } = labels[i] as { x: number; width: number };
    let row = rowEnds.findIndex((end) => end + FAULT_LABEL_GAP_PX <= x);
    if (row < 0) {
      row = rowEnds.length;
      rowEnds.push(0);
    }
    rowEnds[row] = x + width;
    rows[i] = row;
  }
  return rows;
}

function faultBands(f: Frame, windows: readonly FaultWindow[], startMs: number, endMs: number): string {
  const bands = windows.map((w) => {
    const from = Math.max(startMs, w.startMs);
    const to = Math.min(endMs, w.endMs ?? endMs);
    const x = r1(f.x(from));
    return { w, x, width: r1(Math.max(1, f.x(to) - f.x(from))) };
  });
  const rows = faultLabelRows(bands.map((b) => ({ x: b.x + 3, width: faultLabelWidth(b.w.experiment) })));
  return bands
    .map(({ w, x, width }, i) => {
      const tip = `${w.experiment}: ${w.label} (${formatTimestamp(w.startMs)} to ${w.endMs === null ? 'end of run, not rolled back' : formatTimestamp(w.endMs)})`;
      const y = MARGIN.top + 11 + (rows[i] ?? 0) * (FAULT_LABEL_PX + 2);
      return (
        `<g class="fault-window" data-experiment="${escapeHtml(w.experiment)}">` +
        `<rect class="fault-band" x="${x}" y="${MARGIN.top}" width="${width}" height="${f.plotH}"><title>${escapeHtml(tip)}</title></rect>` +
        `<text class="fault-label" x="${r1(x + 3)}" y="${y}" data-row="${rows[i] ?? 0}">${escapeHtml(w.experiment)}</text></g>`
      );
    })
    .join('');
}

/** Path data with a gap wherever a value is missing (NaN = no data, never drawn as 0). */
function linePath(f: Frame, points: readonly TimePoint[]): { d: string; drawn: number } {
  const sorted = [...points].sort((a, b) => a.atMs - b.atMs).map((p) => [p.atMs, p.value] as const);
  let d = '';
  let drawn = 0;
  for (const run of segments(sorted)) {
    run.forEach(([ms, v], i) => {
      d += `${i === 0 ? 'M' : 'L'}${r1(f.x(ms))},${r1(f.y(v))}`;
    });
    drawn += run.length;
  }
  return { d, drawn };
}

function svgOpen(id: string, title: string, width: number, height: number, kind: string): string {
  return (
    `<svg class="chart" data-chart="${escapeHtml(kind)}" id="${escapeHtml(id)}" xmlns="http://www.w3.org/2000/svg" ` +
    `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title>` +
    `<defs><clipPath id="${escapeHtml(id)}-clip"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${width - MARGIN.left - MARGIN.right}" height="${height - MARGIN.top - MARGIN.bottom}"/></clipPath></defs>` +
    `<text class="chart-title" x="${MARGIN.left}" y="18">${escapeHtml(title)}</text>`
  );
}

function noDataText(f: Frame): string {
  return `<text class="no-data" x="${r1(MARGIN.left + f.plotW / 2)}" y="${r1(MARGIN.top + f.plotH / 2)}" text-anchor="middle">${NO_DATA}</text>`;
}

function legend(items: readonly { name: string; color: string; dashed?: boolean }[], width: number): string {
  let x = width - MARGIN.right;
  const parts: string[] = [];
  for (const item of [...items].reverse()) {
    const w = 18 + item.name.length * 6.5;
    x -= w + 10;
    parts.push(
      `<g class="legend-item"><rect x="${r1(x)}" y="9" width="12" height="10" fill="${item.color}"/>` +
        `<text class="legend" x="${r1(x + 16)}" y="18">${escapeHtml(item.name)}</text></g>`,
    );
  }
  return parts.join('');
}

export function timeChart(o: TimeChartOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 260;
  let max = o.yMinTop ?? 0;
  for (const s of o.series) for (const p of s.points) if (Number.isFinite(p.value)) max = Math.max(max, p.value);
  for (const l of o.referenceLines ?? []) max = Math.max(max, l.value);
  const yTop = niceStep(max / 4) * Math.max(1, Math.ceil((max * 1.1) / niceStep(max / 4)));
  const f = frame({ startMs: o.startMs, endMs: o.endMs, width, height, yTop: yTop > 0 ? yTop : 1 });
  const drawnSeries = o.series.map((s) => ({ s, path: linePath(f, s.points) }));
  const anyData = drawnSeries.some((d) => d.path.drawn > 0);
  const parts = [
    svgOpen(o.id, o.title, width, height, o.id),
    timeAxis(f, o.startMs, o.endMs),
    valueAxis(f, o.yFormat, o.yLabel),
    faultBands(f, o.faultWindows, o.startMs, o.endMs),
  ];
  for (const l of o.referenceLines ?? []) {
    const y = r1(f.y(l.value));
    parts.push(
      `<g class="ref-line"><line x1="${MARGIN.left}" x2="${MARGIN.left + f.plotW}" y1="${y}" y2="${y}" stroke="${l.color}" stroke-dasharray="6 4"/>` +
        `<text class="ref-label" x="${MARGIN.left + f.plotW - 4}" y="${r1(y - 4)}" text-anchor="end" fill="${l.color}">${escapeHtml(l.label)}</text></g>`,
    );
  }
  for (const m of o.markers ?? []) {
    const x = r1(f.x(m.atMs));
    parts.push(
      `<g class="marker"><line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + f.plotH}"/>` +
        `<title>${escapeHtml(`${formatTimestamp(m.atMs)}: ${m.label}`)}</title></g>`,
    );
  }
  parts.push(`<g clip-path="url(#${escapeHtml(o.id)}-clip)">`);
  for (const { s, path } of drawnSeries) {
    if (path.drawn === 0) continue;
    parts.push(
      `<path class="series" data-series="${escapeHtml(s.name)}" data-points="${path.drawn}" d="${path.d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
  }
  parts.push('</g>');
  if (!anyData) parts.push(noDataText(f));
  if (o.series.length > 1) parts.push(legend(o.series, width));
  parts.push('</svg>');
  return parts.join('');
}

export interface ShareChartOptions {
  id: string;
  title: string;
  startMs: number;
  endMs: number;
  points: readonly TierSharePoint[];
  tiers: readonly { name: string; color: string }[];
  faultWindows: readonly FaultWindow[];
  width?: number;
  height?: number;
}

/** Stacked shares (0..100%) per tier over time; steps with no requests are gaps. */
export function shareChart(o: ShareChartOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 260;
  const f = frame({ startMs: o.startMs, endMs: o.endMs, width, height, yTop: 1 });
  const sorted = [...o.points].sort((a, b) => a.atMs - b.atMs);
  // Runs of consecutive steps that have data; each run is drawn as its own band.
  const runs: TierSharePoint[][] = [];
  let current: TierSharePoint[] = [];
  for (const p of sorted) {
    if (Object.keys(p.shares).length === 0) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else current.push(p);
  }
  if (current.length > 0) runs.push(current);
  const parts = [
    svgOpen(o.id, o.title, width, height, o.id),
    timeAxis(f, o.startMs, o.endMs),
    valueAxis(f, (v) => `${Math.round(v * 100)}%`, 'share of requests'),
    `<g clip-path="url(#${escapeHtml(o.id)}-clip)">`,
  ];
  for (let t = 0; t < o.tiers.length; t++) {
    const tier = o.tiers[t] as { name: string; color: string };
    let d = '';
    let points = 0;
    let visible = false;
    for (const run of runs) {
      const below = run.map((p) => cumulative(p, o.tiers, t));
      const above = run.map((p) => cumulative(p, o.tiers, t + 1));
      if (above.every((a, i) => a - (below[i] as number) <= 0)) continue;
      visible = true;
      // A single step is widened to a sliver so it shows.
      const xs = run.map((p) => f.x(p.atMs));
      if (xs.length === 1) xs.push((xs[0] as number) + 2);
      const top = xs.map((x, i) => `${r1(x)},${r1(f.y(above[Math.min(i, above.length - 1)] as number))}`);
      const bottom = xs.map((x, i) => `${r1(x)},${r1(f.y(below[Math.min(i, below.length - 1)] as number))}`).reverse();
      d += `M${top.join('L')}L${bottom.join('L')}Z`;
      points += run.length;
    }
    if (!visible) continue;
    parts.push(
      `<path class="tier-area" data-tier="${escapeHtml(tier.name)}" data-points="${points}" d="${d}" fill="${tier.color}" stroke="none"/>`,
    );
  }
  parts.push('</g>', faultBands(f, o.faultWindows, o.startMs, o.endMs));
  if (runs.length === 0) parts.push(noDataText(f));
  const shown = o.tiers.filter((tier) => sorted.some((p) => (p.shares[tier.name] ?? 0) > 0));
  parts.push(legend(shown, width), '</svg>');
  return parts.join('');
}

function cumulative(p: TierSharePoint, tiers: readonly { name: string }[], upTo: number): number {
  let sum = 0;
  for (let i = 0; i < upTo; i++) sum += p.shares[(tiers[i] as { name: string }).name] ?? 0;
  return Math.min(1, sum);
}

export interface Bar {
  label: string;
  /** 0..1 of the whole; above 1 is drawn full and marked. NaN: no data. */
  ratio: number;
  text: string;
}

/** Horizontal bars against 100% (error budget consumed per SLO). */
export function barChart(o: { id: string; title: string; bars: readonly Bar[]; width?: number }): string {
  const width = o.width ?? 900;
  const rowH = 30;
  const height = 40 + Math.max(1, o.bars.length) * rowH;
  const labelW = 200;
  const barW = width - labelW - 180;
  const parts = [
    `<svg class="chart" data-chart="${escapeHtml(o.id)}" id="${escapeHtml(o.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<title>${escapeHtml(o.title)}</title><text class="chart-title" x="8" y="18">${escapeHtml(o.title)}</text>`,
  ];
  if (o.bars.length === 0)
    parts.push(`<text class="no-data" x="${width / 2}" y="52" text-anchor="middle">${NO_DATA}</text>`);
  o.bars.forEach((b, i) => {
    const y = 32 + i * rowH;
    const ratio = Number.isFinite(b.ratio) ? Math.max(0, b.ratio) : 0;
    const w = r1(Math.min(1, ratio) * barW);
    const level = !Number.isFinite(b.ratio) ? 'none' : ratio >= 1 ? 'over' : ratio >= 0.5 ? 'high' : 'ok';
    parts.push(
      `<text class="bar-label" x="8" y="${y + 15}">${escapeHtml(b.label)}</text>`,
      `<rect class="bar-track" x="${labelW}" y="${y + 3}" width="${barW}" height="16"/>`,
      `<rect class="bar" data-level="${level}" data-ratio="${Number.isFinite(b.ratio) ? b.ratio : 'NaN'}" x="${labelW}" y="${y + 3}" width="${w}" height="16"/>`,
      `<text class="bar-text" x="${labelW + barW + 8}" y="${y + 15}">${escapeHtml(b.text)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
