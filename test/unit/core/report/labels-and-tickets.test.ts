import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../../src/core/report/html.ts';
import { renderSummaryMarkdown } from '../../../../src/core/report/markdown.ts';
import { splitNotifications } from '../../../../src/core/report/notifications.ts';
import { faultLabelRows, faultLabelWidth, timeChart } from '../../../../src/core/report/svg.ts';
import type { FaultWindow, GameDayResult } from '../../../../src/core/report/types.ts';
import { START, sampleResult } from '../../../fixtures/gameday-result.ts';

/** Each fault label's box on the chart: x from the SVG, width as the layout estimates it, y its baseline. */
function labelBoxes(svg: string): { x: number; y: number; width: number; text: string }[] {
  return [...svg.matchAll(/<text class="fault-label" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    width: faultLabelWidth(m[3] as string),
    text: m[3] as string,
  }));
}

const overlaps = (a: { x: number; y: number; width: number }, b: { x: number; y: number; width: number }) =>
  a.y === b.y && a.x < b.x + b.width && b.x < a.x + a.width;

describe('fault-window labels', () => {
  const windows = (starts: number[], seconds: number): FaultWindow[] =>
    starts.map((s, i) => ({
      experiment: ['gpu-server-crash', 'latency-500ms', 'feature-store-down', 'model-registry-unavailable'][
        i % 4
      ] as string,
      label: 'x',
      startMs: START + s * 1000,
      endMs: START + (s + seconds) * 1000,
    }));
  const chart = (w: FaultWindow[]) =>
    timeChart({
      id: 'c',
      title: 't',
      startMs: START,
      endMs: START + 600_000,
      yLabel: 'ms',
      yFormat: String,
      series: [],
      faultWindows: w,
    });

  it('never print over each other when short windows follow each other closely', () => {
    // Four 5-second windows 10 s apart on a 10-minute chart: each band is a few pixels wide.
    const boxes = labelBoxes(chart(windows([60, 70, 80, 90], 5)));
    expect(boxes).toHaveLength(4);
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) expect(overlaps(a, b), `${a.text} over ${b.text}`).toBe(false);
    expect(new Set(boxes.map((b) => b.y)).size).toBe(4);
  });

  it('stay on one row when the windows are far enough apart', () => {
    const boxes = labelBoxes(chart(windows([0, 200, 400], 30)));
    expect(new Set(boxes.map((b) => b.y)).size).toBe(1);
  });

  it.each<[string, { x: number; width: number }[], number[]]>([
    [
      'apart',
      [
        { x: 0, width: 50 },
        { x: 100, width: 50 },
      ],
      [0, 0],
    ],
    [
      'overlapping',
      [
        { x: 0, width: 50 },
        { x: 20, width: 50 },
      ],
      [0, 1],
    ],
    [
      'a third fits back on the first row',
      [
        { x: 0, width: 50 },
        { x: 20, width: 50 },
        { x: 60, width: 10 },
      ],
      [0, 1, 0],
    ],
    [
      'given out of order',
      [
        { x: 20, width: 50 },
        { x: 0, width: 50 },
      ],
      [1, 0],
    ],
  ])('layout: %s', (_name, labels, rows) => {
    expect(faultLabelRows(labels)).toEqual(rows);
  });
});

describe('tickets are not pages', () => {
  const result: GameDayResult = sampleResult();

  it('splits notifications by severity: only severity=page is a page', () => {
    const { pages, tickets } = splitNotifications(result.pages);
    expect(pages.map((p) => p.alertname)).toEqual(['TritonDown', 'TritonDown']);
    expect(tickets.map((p) => `${p.alertname}/${p.severity}`)).toEqual(['FeatureDrift/ticket']);
  });

  it('summary.md lists the FeatureDrift ticket under Tickets, not under Pages', () => {
    const md = renderSummaryMarkdown(result);
    const pages = md.slice(md.indexOf('## Pages'), md.indexOf('## Tickets'));
    const tickets = md.slice(md.indexOf('## Tickets'));
    expect(pages).toContain('TritonDown');
    expect(pages).not.toContain('FeatureDrift');
    expect(tickets).toContain('FeatureDrift');
    expect(tickets).not.toContain('TritonDown');
  });

  it('the HTML report counts and tables them apart', () => {
    const html = renderReportHtml(result);
    expect(html).toMatch(/pages<b>1 received<\/b>/);
    expect(html).toMatch(/tickets<b>1 opened<\/b>/);
    const pages = html.slice(html.indexOf('<h2>Pages received</h2>'), html.indexOf('<h2>Tickets opened</h2>'));
    expect(pages).not.toContain('FeatureDrift');
    expect(html.slice(html.indexOf('<h2>Tickets opened</h2>'))).toContain('FeatureDrift');
  });
});
