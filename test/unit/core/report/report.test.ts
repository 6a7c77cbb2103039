import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { niceStep } from '../../../../src/core/chart/scale.ts';
import type { LoadRecord } from '../../../../src/core/load/record.ts';
import { renderConsoleTable } from '../../../../src/core/report/console.ts';
import { formatObjective, formatPercent, formatSeconds } from '../../../../src/core/report/format.ts';
import { reportSeriesFromLoad } from '../../../../src/core/report/from-load.ts';
import { renderReportHtml } from '../../../../src/core/report/html.ts';
import { renderSummaryMarkdown } from '../../../../src/core/report/markdown.ts';
import { gameDayOutcome } from '../../../../src/core/report/outcome.ts';
import { timeChart } from '../../../../src/core/report/svg.ts';
import type { ExperimentOutcome, GameDayResult } from '../../../../src/core/report/types.ts';
import { emptyResult, START, sampleResult } from '../../../fixtures/gameday-result.ts';

function withExperiments(...experiments: Partial<ExperimentOutcome>[]): GameDayResult {
  const template = sampleResult().experiments[0] as ExperimentOutcome;
  return { ...sampleResult(), experiments: experiments.map((e, i) => ({ ...template, name: `e${i}`, ...e })) };
}

describe('the game-day verdict', () => {
  it.each<[string, Partial<ExperimentOutcome>[], string, RegExp | null]>([
    ['every hypothesis held and every page arrived: passed', [{}, {}], 'passed', null],
    [
      'a deviated hypothesis fails the run and says why',
      [{}, { verdict: 'deviated', explanation: ['p99 150 ms > 100 ms'] }],
      'failed',
      /e1: hypothesis deviated: p99 150 ms > 100 ms/,
    ],
    [
      'a page that did not arrive fails the run, naming it',
      [{ pagesExpected: ['TritonDown', 'SloBurn'], pagesReceived: ['TritonDown'] }],
      'failed',
      /e0: expected page SloBurn did not arrive/,
    ],
    ['an aborted experiment fails the run', [{ verdict: 'aborted' }], 'failed', /e0: hypothesis aborted/],
    ['an experiment without a journal fails the run', [{}, { verdict: 'not_run' }], 'failed', /e1: did not run/],
    ['no experiment ran: no data, neither pass nor fail', [{ verdict: 'not_run' }], 'no_data', null],
    ['no experiments at all: no data', [], 'no_data', null],
  ])('%s', (_name, experiments, status, failure) => {
    const outcome = gameDayOutcome(withExperiments(...experiments));
    expect(outcome.status).toBe(status);
    if (failure) expect(outcome.failures.join('\n')).toMatch(failure);
    if (status === 'passed') expect(outcome.failures).toEqual([]);
  });

  it('notes, without failing, pages nobody expected and targets missed by a held hypothesis', () => {
    const outcome = gameDayOutcome(
      withExperiments({
        pagesExpected: [],
        pagesReceived: ['FeatureDrift'],
        recoverySeconds: 200,
        recoveryTargetSeconds: 120,
      }),
    );
    expect(outcome.status).toBe('passed');
    expect(outcome.notes).toEqual(['e0: also paged FeatureDrift', 'e0: recovered after 200 s, target 120 s']);
  });
});

describe('formatting', () => {
  it.each<[string, string, string]>([
    ['an error budget keeps its digits', formatPercent(0.0005), '0.05%'],
    ['a tiny ratio is not rounded to zero', formatPercent(0.000012), '0.0012%'],
    ['an objective keeps its nines', formatObjective(0.9995), '99.95%'],
    ['no data is spelled out', formatPercent(Number.NaN), 'no data'],
    ['long durations read as minutes', formatSeconds(125), '2m05s'],
    ['a missing duration is no data', formatSeconds(null), 'no data'],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('picks axis steps of 1, 2, 2.5 or 5 x 10^k at or above the rough step (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e9, noNaN: true }), (rough) => {
        const step = niceStep(rough);
        expect(step).toBeGreaterThanOrEqual(rough * (1 - 1e-12));
        expect(step).toBeLessThanOrEqual(rough * 5 * (1 + 1e-12));
        const mantissa = Number((step / 10 ** Math.floor(Math.log10(step) + 1e-12)).toPrecision(6));
        expect([1, 2, 2.5, 5, 10]).toContain(mantissa);
      }),
    );
  });
});

describe('the summary files (golden)', () => {
  it('summary.md', async () => {
    await expect(renderSummaryMarkdown(sampleResult())).toMatchFileSnapshot('../../../golden/report/summary.md');
  });

  it('the console table', async () => {
    await expect(renderConsoleTable(sampleResult())).toMatchFileSnapshot('../../../golden/report/console.txt');
  });

  it('says "no data" rather than inventing zeros when nothing ran', () => {
    const md = renderSummaryMarkdown(emptyResult());
    expect(md).toContain('# fraud-serving game day: NO DATA');
    expect(md).toContain('0 requests at no data (planned 50/s)');
    expect(md).toContain('p99 no data');
    expect(md).not.toContain('NaN');
    expect(renderReportHtml(emptyResult())).not.toMatch(/>[^<]*NaN/);
    expect(renderConsoleTable(emptyResult())).toContain('(no experiments ran)');
  });
});

describe('report.html', () => {
  const html = renderReportHtml(sampleResult());

  it('is self-contained: no script to run, no external resource, a CSP that forbids fetching any', () => {
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    const urls = html.match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg'])); // the SVG namespace, never fetched
    expect(html).not.toMatch(/<link|<img|<iframe|\bsrc=|@import|url\((?!#)/);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('<script type="application/json" id="gameday-result">');
  });

  it('embeds the result as JSON, NaN as null', () => {
    const json = /<script type="application\/json" id="gameday-result">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    const parsed = JSON.parse(json) as GameDayResult;
    expect(parsed.experiments.map((e) => e.name)).toEqual(['gpu-server-crash', 'latency-500ms', 'drift-shift']);
    expect(parsed.series.latencyMs[60]?.value).toBeNull();
  });

  it('escapes names from the journal, in text and in attributes', () => {
    const hostile = sampleResult();
    hostile.faultWindows[0] = {
      ...(hostile.faultWindows[0] as GameDayResult['faultWindows'][number]),
      experiment: '"><img src=x onerror=alert(1)>',
    };
    hostile.experiments[0] = {
      ...(hostile.experiments[0] as ExperimentOutcome),
      name: '</script><script>alert(1)</script>',
    };
    const out = renderReportHtml(hostile);
    expect(out).not.toContain('<img src=x');
    expect(out).not.toContain('<script>alert(1)');
    expect(out).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('draws a gap where a series has no data, never a drop to zero', () => {
    const svg = timeChart({
      id: 't',
      title: 't',
      startMs: 0,
      endMs: 4_000,
      yLabel: 'ms',
      yFormat: String,
      series: [
        {
          name: 's',
          color: '#000',
          points: [0, 1, 2, 3].map((i) => ({ atMs: i * 1000, value: i === 2 ? Number.NaN : 10 })),
        },
      ],
      faultWindows: [],
    });
    const d = /data-series="s" data-points="3" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(d.match(/M/g)).toHaveLength(2);
    expect(svg).not.toContain('no data');
  });

  it('shows "no data" in every chart of an empty run, and no lines', () => {
    const empty = renderReportHtml(emptyResult());
    expect(empty.match(/class="no-data"/g)).toHaveLength(5);
    expect(empty).not.toContain('class="series"');
    expect(empty).not.toContain('class="tier-area"');
    expect(empty).toContain('NO DATA');
  });
});

describe('series from the load driver', () => {
  it('turns records into wall-clock steps, with empty steps as gaps', () => {
    const r = (scheduledMs: number, servedBy: string, status = 200): LoadRecord => ({
      scheduledMs,
      sendLagMs: 0,
      latencyMs: scheduledMs / 100,
      serviceMs: 1,
      status,
      servedBy,
      variant: 'v1',
      kind: 'fresh',
      fraudLike: false,
      error: null,
      dropped: false,
    });
    const s = reportSeriesFromLoad([r(100, 'primary'), r(900, 'cache'), r(2_100, 'default')], START, 1_000, 3_000);
    expect(s.latencyMs.map((p) => p.atMs)).toEqual([START + 500, START + 1_500, START + 2_500]);
    expect(s.latencyMs[0]?.value).toBe(9);
    expect(s.latencyMs[1]?.value).toBeNaN();
    expect(s.errorRatio.map((p) => p.value)).toEqual([0, Number.NaN, 1]);
    expect(s.tierShare.map((p) => p.shares)).toEqual([{ primary: 0.5, cache: 0.5 }, {}, { default: 1 }]);
  });
});
