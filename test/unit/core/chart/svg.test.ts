import { describe, expect, it } from 'vitest';
import { escapeXml, frame, lineChart, type Margin } from '../../../../src/core/chart/svg.ts';

const margin: Margin = { left: 50, right: 10, top: 20, bottom: 30 };
const chart = (points: ReadonlyArray<readonly [number, number]>, id?: string) =>
  lineChart({
    frame: frame({ width: 400, height: 200, margin, t: [0, 3], y: [0, 10] }),
    title: 'a < b',
    ...(id ? { id } : {}),
    timeTicks: [{ t: 0, label: 'start' }],
    valueTicks: [0, 10],
    valueFormat: (v) => `${v} ms`,
    series: [{ name: 's', color: '#000', points }],
    noData: 'no data',
  });

describe('the shared line chart', () => {
  it('breaks the line at a missing value instead of drawing it as 0', () => {
    const svg = chart([
      [0, 5],
      [1, Number.NaN],
      [2, 5],
      [3, 5],
    ]);
    const d = /data-points="3" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d).not.toContain(',170'); // y of the value 0: the gap is never a drop to zero
    expect(svg).not.toContain('no data');
  });

  it('says "no data" and draws no line when nothing is finite', () => {
    const svg = chart([[0, Number.NaN]]);
    expect(svg).toContain('class="no-data"');
    expect(svg).not.toContain('class="series"');
  });

  it('places points inside the plot and clips to it when the chart has an id', () => {
    const svg = chart(
      [
        [0, 0],
        [3, 10],
      ],
      'c',
    );
    expect(svg).toContain('d="M50,170L390,20"');
    expect(svg).toContain('clip-path="url(#c-clip)"');
  });

  it('escapes every text it writes', () => {
    expect(chart([[0, 1]])).toContain('<title>a &lt; b</title>');
    expect(escapeXml(`<a href="x" title='y'>&`)).toBe('&lt;a href=&quot;x&quot; title=&apos;y&apos;&gt;&amp;');
  });
});
