import { niceStep } from '../chart/scale.ts';
import {
  escapeXml,
  type Frame,
  frame,
  legend,
  lineChart,
  type Margin,
  noDataText,
  r1,
  referenceLine,
  svgClose,
  svgOpen,
  type TimeTick,
  timeAxis,
  valueAxis,
} from '../chart/svg.ts';
import { formatElapsed, formatTimestamp, NO_DATA } from './format.ts';
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

const MARGIN: Margin = { left: 64, right: 20, top: 30, bottom: 34 };

function reportFrame(o: { startMs: number; endMs: number; width: number; height: number; yTop: number }): Frame {
  return frame({ width: o.width, height: o.height, margin: MARGIN, t: [o.startMs, o.endMs], y: [0, o.yTop] });
}

const TIME_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1000);

/** Ticks at round elapsed times since the run started: a game day is read as "two minutes in". */
function elapsedTicks(startMs: number, endMs: number): TimeTick[] {
  const span = Math.max(1, endMs - startMs);
  const step = TIME_STEPS_MS.find((s) => span / s <= 8) ?? 3600_000 * 4;
  const ticks: TimeTick[] = [];
  for (let t = 0; t <= span + 1; t += step) ticks.push({ t: startMs + t, label: formatElapsed(t) });
  return ticks;
}

/** Multiples of a round step from 0 to the axis top. */
function zeroBasedTicks(yTop: number): number[] {
  const step = niceStep(yTop / 4);
  const ticks: number[] = [];
  for (let v = 0; v <= yTop + step * 1e-9; v += step) ticks.push(v);
  return ticks;
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
      const y = f.top + 11 + (rows[i] ?? 0) * (FAULT_LABEL_PX + 2);
      return (
        `<g class="fault-window" data-experiment="${escapeXml(w.experiment)}">` +
        `<rect class="fault-band" x="${x}" y="${f.top}" width="${width}" height="${f.plotH}"><title>${escapeXml(tip)}</title></rect>` +
        `<text class="fault-label" x="${r1(x + 3)}" y="${y}" data-row="${rows[i] ?? 0}">${escapeXml(w.experiment)}</text></g>`
      );
    })
    .join('');
}

export function timeChart(o: TimeChartOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 260;
  let max = o.yMinTop ?? 0;
  for (const s of o.series) for (const p of s.points) if (Number.isFinite(p.value)) max = Math.max(max, p.value);
  for (const l of o.referenceLines ?? []) max = Math.max(max, l.value);
  const yTop = niceStep(max / 4) * Math.max(1, Math.ceil((max * 1.1) / niceStep(max / 4)));
  const f = reportFrame({ startMs: o.startMs, endMs: o.endMs, width, height, yTop: yTop > 0 ? yTop : 1 });
  const decorations = [faultBands(f, o.faultWindows, o.startMs, o.endMs)];
  for (const l of o.referenceLines ?? []) decorations.push(referenceLine(f, l));
  for (const m of o.markers ?? []) {
    const x = r1(f.x(m.atMs));
    decorations.push(
      `<g class="marker"><line x1="${x}" x2="${x}" y1="${f.top}" y2="${f.top + f.plotH}"/>` +
        `<title>${escapeXml(`${formatTimestamp(m.atMs)}: ${m.label}`)}</title></g>`,
    );
  }
  return lineChart({
    frame: f,
    id: o.id,
    title: o.title,
    timeTicks: elapsedTicks(o.startMs, o.endMs),
    valueTicks: zeroBasedTicks(yTop > 0 ? yTop : 1),
    valueFormat: o.yFormat,
    valueLabel: o.yLabel,
    series: o.series.map((s) => ({
      name: s.name,
      color: s.color,
      points: s.points.map((p) => [p.atMs, p.value] as const),
      ...(s.dashed ? { dashed: true } : {}),
    })),
    noData: NO_DATA,
    decorations: decorations.join(''),
    ...(o.series.length > 1 ? { legend: legend(f, o.series, { kind: 'row' }) } : {}),
  });
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
  const f = reportFrame({ startMs: o.startMs, endMs: o.endMs, width, height, yTop: 1 });
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
    svgOpen(f, { id: o.id, title: o.title }),
    timeAxis(f, elapsedTicks(o.startMs, o.endMs)),
    valueAxis(f, zeroBasedTicks(1), (v) => `${Math.round(v * 100)}%`, 'share of requests'),
    `<g clip-path="url(#${escapeXml(o.id)}-clip)">`,
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
      `<path class="tier-area" data-tier="${escapeXml(tier.name)}" data-points="${points}" d="${d}" fill="${tier.color}" stroke="none"/>`,
    );
  }
  parts.push('</g>', faultBands(f, o.faultWindows, o.startMs, o.endMs));
  if (runs.length === 0) parts.push(noDataText(f, NO_DATA));
  const shown = o.tiers.filter((tier) => sorted.some((p) => (p.shares[tier.name] ?? 0) > 0));
  parts.push(legend(f, shown, { kind: 'row' }), svgClose);
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
  // No time or value axis: the frame only sizes the picture.
  const f = frame({ width, height, margin: { left: 8, right: 8, top: 30, bottom: 0 }, t: [0, 1], y: [0, 1] });
  const parts = [svgOpen(f, { id: o.id, title: o.title, clip: false })];
  if (o.bars.length === 0)
    parts.push(`<text class="no-data" x="${width / 2}" y="52" text-anchor="middle">${escapeXml(NO_DATA)}</text>`);
  o.bars.forEach((b, i) => {
    const y = 32 + i * rowH;
    const ratio = Number.isFinite(b.ratio) ? Math.max(0, b.ratio) : 0;
    const w = r1(Math.min(1, ratio) * barW);
    const level = !Number.isFinite(b.ratio) ? 'none' : ratio >= 1 ? 'over' : ratio >= 0.5 ? 'high' : 'ok';
    parts.push(
      `<text class="bar-label" x="8" y="${y + 15}">${escapeXml(b.label)}</text>`,
      `<rect class="bar-track" x="${labelW}" y="${y + 3}" width="${barW}" height="16"/>`,
      `<rect class="bar" data-level="${level}" data-ratio="${Number.isFinite(b.ratio) ? b.ratio : 'NaN'}" x="${labelW}" y="${y + 3}" width="${w}" height="16"/>`,
      `<text class="bar-text" x="${labelW + barW + 8}" y="${y + 15}">${escapeXml(b.text)}</text>`,
    );
  });
  parts.push(svgClose);
  return parts.join('');
}
