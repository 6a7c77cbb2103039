import { segments, type XY } from './gaps.ts';

/**
 * The one SVG time-series renderer: the game-day report and the dashboard previews both
 * draw through these primitives (frame, axes, gap-aware lines, legend, no-data text), so a
 * fix to how a gap or an axis is drawn reaches both. Pure: numbers in, SVG text out. The
 * report styles the classes with its page's CSS; a preview is a standalone image (an <img>)
 * and passes an InlineStyle instead, since no stylesheet reaches it.
 */

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}

/** One decimal: sub-pixel precision is noise in the file, not on the screen. */
export const r1 = (v: number) => Math.round(v * 10) / 10;

export interface Margin {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Colours and font written on the elements, for an SVG shown without a stylesheet. */
export interface InlineStyle {
  background: string;
  text: string;
  muted: string;
  grid: string;
  font: string;
}

export interface Frame {
  width: number;
  height: number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
  /** Time (the caller's unit) to x. */
  x: (t: number) => number;
  /** Value to y; values below the axis' floor sit on it. */
  y: (value: number) => number;
  style?: InlineStyle;
}

export function frame(o: {
  width: number;
  height: number;
  margin: Margin;
  t: readonly [number, number];
  y: readonly [number, number];
  style?: InlineStyle;
}): Frame {
  const plotW = o.width - o.margin.left - o.margin.right;
  const plotH = o.height - o.margin.top - o.margin.bottom;
  const [t0, t1] = o.t;
  const [y0, y1] = o.y;
  const ySpan = y1 > y0 ? y1 - y0 : 1;
  return {
    width: o.width,
    height: o.height,
    left: o.margin.left,
    top: o.margin.top,
    plotW,
    plotH,
    x: (t) => o.margin.left + (t1 > t0 ? (t - t0) / (t1 - t0) : 0) * plotW,
    y: (v) => o.margin.top + plotH - ((Math.max(y0, v) - y0) / ySpan) * plotH,
    ...(o.style ? { style: o.style } : {}),
  };
}

/** ` fill="…"` (or stroke) for an inline-styled chart; nothing when CSS styles the class. */
function paint(f: Frame, attr: 'fill' | 'stroke', role: 'text' | 'muted' | 'grid'): string {
  return f.style ? ` ${attr}="${f.style[role]}"` : '';
}

/** The <svg> element, its accessible title, the visible title (and subtitle), and a clip for the plot. */
export function svgOpen(
  f: Frame,
  o: { title: string; id?: string; kind?: string; subtitle?: string; titleX?: number; clip?: boolean },
): string {
  const s = f.style;
  const ident = o.id === undefined ? '' : ` data-chart="${escapeXml(o.kind ?? o.id)}" id="${escapeXml(o.id)}"`;
  const font = s ? ` font-family="${escapeXml(s.font)}" font-size="12"` : '';
  const titleX = o.titleX ?? f.left;
  return (
    `<svg class="chart"${ident} xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" ` +
    `width="${f.width}" height="${f.height}" role="img" aria-label="${escapeXml(o.title)}"${font}>` +
    `<title>${escapeXml(o.title)}</title>` +
    (s ? `<rect width="${f.width}" height="${f.height}" fill="${s.background}"/>` : '') +
    (o.id !== undefined && o.clip !== false
      ? `<defs><clipPath id="${escapeXml(o.id)}-clip"><rect x="${f.left}" y="${f.top}" width="${f.plotW}" height="${f.plotH}"/></clipPath></defs>`
      : '') +
    `<text class="chart-title" x="${titleX}" y="18"${paint(f, 'fill', 'text')}${s ? ' font-size="14" font-weight="600"' : ''}>${escapeXml(o.title)}</text>` +
    (o.subtitle
      ? `<text class="chart-subtitle" x="${titleX}" y="36"${paint(f, 'fill', 'muted')} font-size="11">${escapeXml(o.subtitle)}</text>`
      : '')
  );
}

export const svgClose = '</svg>';

export interface TimeTick {
  t: number;
  label: string;
  anchor?: 'start' | 'middle' | 'end';
}

/** Vertical grid lines with their time labels under the plot (the caller picks the ticks: elapsed or clock). */
export function timeAxis(f: Frame, ticks: readonly TimeTick[]): string {
  return ticks
    .map(({ t, label, anchor }) => {
      const x = r1(f.x(t));
      return (
        `<line class="grid" x1="${x}" x2="${x}" y1="${f.top}" y2="${f.top + f.plotH}"${paint(f, 'stroke', 'grid')}/>` +
        `<text class="tick" x="${x}" y="${f.top + f.plotH + 16}" text-anchor="${anchor ?? 'middle'}"${paint(f, 'fill', 'text')}>${escapeXml(label)}</text>`
      );
    })
    .join('');
}

/** Horizontal grid lines at the given values, labelled with the caller's unit, and an optional axis title. */
export function valueAxis(f: Frame, ticks: readonly number[], format: (v: number) => string, label?: string): string {
  const parts = ticks.map((v) => {
    const y = r1(f.y(v));
    return (
      `<line class="grid" x1="${f.left}" x2="${f.left + f.plotW}" y1="${y}" y2="${y}"${paint(f, 'stroke', 'grid')}/>` +
      `<text class="tick" x="${f.left - 6}" y="${r1(y + 4)}" text-anchor="end"${paint(f, 'fill', 'text')}>${escapeXml(format(v))}</text>`
    );
  });
  if (label) {
    parts.push(
      `<text class="axis-label" transform="translate(14 ${f.top + f.plotH / 2}) rotate(-90)" text-anchor="middle"${paint(f, 'fill', 'text')}>${escapeXml(label)}</text>`,
    );
  }
  return parts.join('');
}

/** Path data with a gap wherever a value is missing (NaN = no data, never drawn as 0): one M per run. */
export function linePath(f: Frame, points: readonly XY[]): { d: string; drawn: number } {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  let d = '';
  let drawn = 0;
  for (const run of segments(sorted)) {
    run.forEach(([t, v], i) => {
      d += `${i === 0 ? 'M' : 'L'}${r1(f.x(t))},${r1(f.y(v))}`;
    });
    drawn += run.length;
  }
  return { d, drawn };
}

/** A horizontal dashed line at a value across the plot (an SLO threshold), with an optional label at its right end. */
export function referenceLine(
  f: Frame,
  o: { value: number; color: string; label?: string; dash?: string; className?: string },
): string {
  const y = r1(f.y(o.value));
  return (
    `<g class="${o.className ?? 'ref-line'}"><line x1="${f.left}" x2="${f.left + f.plotW}" y1="${y}" y2="${y}" stroke="${o.color}" stroke-dasharray="${o.dash ?? '6 4'}"/>` +
    (o.label
      ? `<text class="ref-label" x="${f.left + f.plotW - 4}" y="${r1(y - 4)}" text-anchor="end" fill="${o.color}">${escapeXml(o.label)}</text>`
      : '') +
    '</g>'
  );
}

/** The message (and why) in the middle of a plot with nothing to draw. */
export function noDataText(f: Frame, text: string, note?: string): string {
  const x = r1(f.left + f.plotW / 2);
  const y = r1(f.top + f.plotH / 2);
  return (
    `<text class="no-data" x="${x}" y="${y}" text-anchor="middle"${paint(f, 'fill', 'text')}>${escapeXml(text)}</text>` +
    (note
      ? `<text class="no-data-note" x="${x}" y="${r1(y + 20)}" text-anchor="middle"${paint(f, 'fill', 'muted')}>${escapeXml(note)}</text>`
      : '')
  );
}

export interface LegendItem {
  name: string;
  color: string;
}

/**
 * Swatches and names. 'row': right-aligned along the title line (a few series). 'grid': in
 * columns under the plot, from `top` (many series, as Grafana lists them).
 */
export function legend(
  f: Frame,
  items: readonly LegendItem[],
  layout: { kind: 'row' } | { kind: 'grid'; top: number; columns: number; rowHeight: number },
): string {
  const parts: string[] = [];
  if (layout.kind === 'row') {
    let x = f.left + f.plotW;
    for (const item of [...items].reverse()) {
      x -= 18 + item.name.length * 6.5 + 10;
      parts.push(
        `<g class="legend-item"><rect x="${r1(x)}" y="9" width="12" height="10" fill="${item.color}"/>` +
          `<text class="legend" x="${r1(x + 16)}" y="18"${paint(f, 'fill', 'text')}>${escapeXml(item.name)}</text></g>`,
      );
    }
    return parts.join('');
  }
  const columnWidth = f.plotW / layout.columns;
  const perColumn = Math.max(1, Math.ceil(items.length / layout.columns));
  items.forEach((item, i) => {
    const x = r1(f.left + Math.floor(i / perColumn) * columnWidth);
    const y = layout.top + (i % perColumn) * layout.rowHeight;
    parts.push(
      `<g class="legend-item"><rect x="${x}" y="${y - 9}" width="14" height="4" fill="${item.color}"/>` +
        `<text class="legend" x="${r1(x + 22)}" y="${y - 4}"${paint(f, 'fill', 'text')}>${escapeXml(item.name)}</text></g>`,
    );
  });
  return parts.join('');
}

export interface LineSeries {
  name: string;
  color: string;
  points: readonly XY[];
  dashed?: boolean;
}

export interface LineChartOptions {
  frame: Frame;
  title: string;
  subtitle?: string;
  id?: string;
  titleX?: number;
  timeTicks: readonly TimeTick[];
  valueTicks: readonly number[];
  valueFormat: (v: number) => string;
  valueLabel?: string;
  series: readonly LineSeries[];
  noData: string;
  noDataNote?: string;
  /** Drawn over the grid and under the lines: fault bands, thresholds, markers. */
  decorations?: string;
  /** Drawn last: the legend, notes. */
  legend?: string;
  strokeWidth?: number;
}

/**
 * A time-series line chart: axes, one path per series with gaps at missing data, "no data"
 * when nothing is finite. The report's time charts and the dashboard previews are callers.
 */
export function lineChart(o: LineChartOptions): string {
  const f = o.frame;
  const drawn = o.series.map((s) => ({ s, path: linePath(f, s.points) }));
  const anyData = drawn.some((d) => d.path.drawn > 0);
  const parts = [
    svgOpen(f, {
      title: o.title,
      ...(o.id === undefined ? {} : { id: o.id }),
      ...(o.subtitle ? { subtitle: o.subtitle } : {}),
      ...(o.titleX === undefined ? {} : { titleX: o.titleX }),
    }),
    timeAxis(f, o.timeTicks),
    valueAxis(f, o.valueTicks, o.valueFormat, o.valueLabel),
    o.decorations ?? '',
    o.id === undefined ? '<g>' : `<g clip-path="url(#${escapeXml(o.id)}-clip)">`,
  ];
  for (const { s, path } of drawn) {
    if (path.drawn === 0) continue;
    parts.push(
      `<path class="series" data-series="${escapeXml(s.name)}" data-points="${path.drawn}" d="${path.d}" fill="none" stroke="${s.color}" stroke-width="${o.strokeWidth ?? 2}"${s.dashed ? ' stroke-dasharray="4 3"' : ''}><title>${escapeXml(s.name)}</title></path>`,
    );
  }
  parts.push('</g>');
  if (!anyData) parts.push(noDataText(f, o.noData, o.noDataNote));
  parts.push(o.legend ?? '', svgClose);
  return parts.join('');
}
