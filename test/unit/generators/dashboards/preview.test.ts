import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segments } from '../../../../src/core/chart/gaps.ts';
import { niceTicks } from '../../../../src/core/chart/scale.ts';
import { formatValue } from '../../../../src/generators/dashboards/preview/format-unit.ts';
import { formatLegend, hasFinitePoint, matrixToSeries } from '../../../../src/generators/dashboards/preview/series.ts';
import { type PreviewSeries, renderTimeseriesSvg } from '../../../../src/generators/dashboards/preview/svg.ts';

const T0 = 1_700_000_000;
const line = (values: number[]): PreviewSeries => ({ name: 'a', points: values.map((v, i) => [T0 + i * 15, v]) });

function polylines(svg: string): Array<Array<[number, number]>> {
  // One drawn run per M of a series path (the shared renderer breaks a line at a gap).
  return [...svg.matchAll(/<path class="series"[^>]* d="([^"]+)"/g)].flatMap((m) =>
    (m[1] as string)
      .split('M')
      .filter((run) => run !== '')
      .map((run) => run.split('L').map((p) => p.split(',').map(Number) as [number, number])),
  );
}

describe('unit formatting (as Grafana prints the unit)', () => {
  it.each([
    [0.1, 's', '100 ms'],
    [0.0005, 's', '500 µs'],
    [2.5, 's', '2.5 s'],
    [150_000, 'µs', '150 ms'],
    [0.25, 'percentunit', '25%'],
    [1536, 'bytes', '1.5 KiB'],
    [3 * 1024 ** 3, 'bytes', '3 GiB'],
    [1200, 'reqps', '1.2k req/s'],
    [300, 'watt', '300 W'],
    [14.4, 'suffix:×', '14.4×'],
    [0, 'short', '0'],
  ])('%s %s -> %s', (value, unit, text) => {
    expect(formatValue(value, unit)).toBe(text);
  });
});

describe('legend names (Grafana legendFormat)', () => {
  it.each([
    ['labels are substituted', 'queue {{model}}', { model: 'fraud_v1' }, 'queue fraud_v1'],
    ['a missing label is empty', '{{model}} {{variant}}', { model: 'm' }, 'm'],
    ['no format names the series by its labels', '', { __name__: 'up', job: 'x' }, 'up{job="x"}'],
  ])('%s', (_name, format, labels, expected) => {
    expect(formatLegend(format, labels)).toBe(expected);
  });
});

describe('Prometheus matrix -> preview series', () => {
  it('reads NaN and ±Inf as gaps, numbers as numbers', () => {
    const series = matrixToSeries(
      [
        {
          metric: { model: 'm' },
          values: [
            [T0, '1.5'],
            [T0 + 1, 'NaN'],
            [T0 + 2, '+Inf'],
            [T0 + 3, '-Inf'],
          ],
        },
      ],
      '{{model}}',
    );
    expect(series[0]?.name).toBe('m');
    expect(series[0]?.points.map((p) => p[1])).toEqual([
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(hasFinitePoint(series)).toBe(true);
    expect(hasFinitePoint(matrixToSeries([{ metric: {}, values: [[T0, 'NaN']] }], ''))).toBe(false);
  });
});

describe('the SVG preview', () => {
  it('says "No data" and why when nothing is finite', () => {
    const svg = renderTimeseriesSvg([line([Number.NaN])], { title: 't', unit: 's', emptyNote: 'gateway not scraped' });
    expect(svg).toContain('No data');
    expect(svg).toContain('gateway not scraped');
    expect(polylines(svg)).toHaveLength(0);
  });

  it('breaks a line at gaps, as Grafana does with spanNulls off', () => {
    expect(segments(line([1, 2, Number.NaN, 3, 4, Number.POSITIVE_INFINITY, 5]).points).map((s) => s.length)).toEqual([
      2, 2, 1,
    ]);
    expect(
      polylines(renderTimeseriesSvg([line([1, 2, Number.NaN, 3, 4])], { title: 't', unit: 'short' })),
    ).toHaveLength(2);
  });

  it('draws a threshold inside the range as a dashed line and names one outside it', () => {
    const svg = renderTimeseriesSvg([line([0.01, 0.2, 0.05])], {
      title: 'latency',
      unit: 's',
      thresholds: [
        { value: 0.1, color: 'orange' },
        { value: 0.5, color: 'red' },
      ],
    });
    expect(svg.match(/class="threshold"/g)).toHaveLength(1);
    expect(svg).toContain('threshold lines off scale: 500 ms');
  });

  it('escapes text', () => {
    const svg = renderTimeseriesSvg([{ name: '<a & "b">', points: [[T0, 1]] }], { title: 'x < y', unit: 'none' });
    expect(svg).toContain('&lt;a &amp; &quot;b&quot;&gt;');
    expect(svg).toContain('x &lt; y');
    expect(svg).not.toMatch(/<a /);
  });

  it('keeps every point inside the plot area, whatever the values (property)', () => {
    const value = fc.oneof(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.constant(Number.NaN));
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        (lists) => {
          const svg = renderTimeseriesSvg(lists.map(line), { title: 't', unit: 'short', width: 600, height: 200 });
          expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
          for (const pts of polylines(svg)) {
            for (const [px, py] of pts) {
              expect(px).toBeGreaterThanOrEqual(84 - 0.05);
              expect(px).toBeLessThanOrEqual(600 - 16 + 0.05);
              expect(py).toBeGreaterThanOrEqual(36 - 0.05);
              expect(py).toBeLessThanOrEqual(36 + 200 + 0.05);
            }
          }
        },
      ),
    );
  });

  it('chooses round, increasing ticks from at or below the minimum to at or above the maximum (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        (min, span) => {
          const ticks = niceTicks(min, min + span);
          expect(ticks.length).toBeGreaterThanOrEqual(2);
          expect(ticks.length).toBeLessThanOrEqual(12);
          for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1] as number);
        },
      ),
    );
  });
});
