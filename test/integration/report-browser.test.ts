import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/adapters/process/paths.ts';
import { writeGameDayReport } from '../../src/services/report/write-report.ts';
import { emptyResult, sampleResult } from '../fixtures/gameday-result.ts';

/**
 * report.html in a real browser (Debian chromium, driven by playwright-core): the charts are
 * laid out, hold their data, shade the fault windows where they belong, and the page fetches
 * nothing. The screenshot stays in reports/test-artifacts/ (git-ignored) for a human to look at.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(paths.root(), 'reports', 'test-artifacts', 'gameday-report');

/**
 * The page-side DOM, as far as these checks use it: the functions given to evaluate() run in
 * Chromium, and the root tsconfig has no DOM lib (everything else here runs in Node). Boxes
 * are copied field by field in the page: DOMRect's fields live on its prototype and would not
 * survive serialisation.
 */
interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
  left: number;
  top: number;
}
interface PageElement {
  id: string;
  tagName: string;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  classList: { contains(name: string): boolean };
  viewBox: { baseVal: { width: number } };
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Rect & { toJSON(): Rect };
  getBBox(): Rect;
  getTotalLength(): number;
  querySelector(selector: string): PageElement | null;
  scrollIntoView(): void;
}
declare const document: {
  elementFromPoint(x: number, y: number): PageElement | null;
  elementsFromPoint(x: number, y: number): PageElement[];
};
declare function getComputedStyle(element: PageElement): { fillOpacity: string; fill: string };

describe('report.html in headless Chromium', () => {
  let context: BrowserContext;
  let userDataDir: string;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const result = sampleResult();
    await writeGameDayReport(join(ARTIFACTS, 'failed-run'), result);
    await writeGameDayReport(join(ARTIFACTS, 'empty-run'), emptyResult());
    userDataDir = mkdtempSync(join(tmpdir(), 'steadystate-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1000, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context.on('request', (r) => requests.push(r.url()));
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(pathToFileURL(join(ARTIFACTS, 'failed-run', 'report.html')).href);
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('opens with the verdict, and loads nothing but the file itself', async () => {
    expect(await page.title()).toBe('fraud-serving game day: FAILED');
    expect(await page.locator('#outcome').textContent()).toBe('FAILED');
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('lays out the five charts', async () => {
    const charts = await page
      .locator('svg.chart')
      .evaluateAll((svgs) => svgs.map((s) => ({ id: s.id, ...s.getBoundingClientRect().toJSON() })));
    expect(charts.map((c) => c.id)).toEqual(['latency', 'error-ratio', 'tier-share', 'error-budget', 'drift']);
    for (const c of charts) expect(c.width * c.height).toBeGreaterThan(10_000);
  });

  it('draws the p99 series through every step with data, across the plot, with a gap for the lost step', async () => {
    const line = await page.locator('#latency path.series').evaluate((p: PageElement) => ({
      points: Number(p.dataset.points),
      moves: (p.getAttribute('d') ?? '').split('M').length - 1,
      length: p.getTotalLength(),
      box: ((b: Rect) => ({ x: b.x, y: b.y, width: b.width, height: b.height }))(p.getBBox()),
    }));
    const finite = sampleResult().series.latencyMs.filter((p) => Number.isFinite(p.value)).length;
    expect(line.points).toBe(finite);
    expect(line.moves).toBe(2);
    expect(line.box.width).toBeGreaterThan(780); // the plot is 816 wide; first and last steps sit half a step in
    expect(line.box.height).toBeGreaterThan(100); // 18 ms baseline up to the 150 ms latency fault
    expect(line.length).toBeGreaterThan(line.box.width);
  });

  it('shades each fault window over its own minutes, on every time chart', async () => {
    for (const chart of ['latency', 'error-ratio', 'tier-share', 'drift']) {
      const bands = await page.locator(`#${chart} g.fault-window`).evaluateAll((gs) =>
        gs.map((g) => {
          const rect = g.querySelector('rect') as PageElement;
          return {
            experiment: (g as PageElement).dataset.experiment,
            box: ((b: Rect) => ({ x: b.x, y: b.y, width: b.width, height: b.height }))(rect.getBBox()),
            opacity: getComputedStyle(rect).fillOpacity,
          };
        }),
      );
      expect(bands.map((b) => b.experiment)).toEqual(['gpu-server-crash', 'latency-500ms', 'drift-shift']);
      // The 6-minute run spans x = 64..880: minute m is at 64 + m * 136.
      const expected: [number, number][] = [
        [1, 2],
        [3, 3.5],
        [4, 5],
      ];
      bands.forEach((b, i) => {
        const [from, to] = expected[i] as [number, number];
        expect(b.box.x).toBeCloseTo(64 + from * 136, 0);
        expect(b.box.width).toBeCloseTo((to - from) * 136, 0);
        expect(Number(b.opacity)).toBeGreaterThan(0);
        expect(Number(b.opacity)).toBeLessThan(0.5);
      });
    }
  });

  it('hit-tests the shading: inside a window the band is on top, outside it is not', async () => {
    const at = async (xFraction: number) =>
      page.locator('#latency').evaluate((svg: PageElement, fx: number) => {
        const r = svg.getBoundingClientRect();
        const scale = r.width / svg.viewBox.baseVal.width;
        const x = r.left + (64 + fx * 816) * scale;
        const y = r.top + 200 * scale; // low in the plot, under the latency line
        svg.scrollIntoView();
        const again = svg.getBoundingClientRect();
        const el = document.elementFromPoint(x - r.left + again.left, y - r.top + again.top);
        return el?.getAttribute('class') ?? el?.tagName ?? 'none';
      }, xFraction);
    expect(await at(1.5 / 6)).toBe('fault-band'); // 1:30, Triton killed
    expect(await at(2.5 / 6)).not.toBe('fault-band'); // 2:30, between windows
  });

  it('stacks the serving tiers, with the fallback tiers where Triton was down', async () => {
    const tiers = await page
      .locator('#tier-share path.tier-area')
      .evaluateAll((ps) =>
        ps.map((p) => ({ tier: (p as PageElement).dataset.tier, width: (p as PageElement).getBBox().width })),
      );
    expect(tiers.map((t) => t.tier)).toEqual(['primary', 'cache', 'stale_cache', 'fallback_model', 'default', 'error']);
    expect(tiers[0]?.width).toBeGreaterThan(780);
    // Which tier is painted at (minute, share): read back from the rendered page.
    const tierAt = (minute: number, share: number) =>
      page.locator('#tier-share').evaluate(
        (svg: PageElement, [m, sh]: number[]) => {
          svg.scrollIntoView();
          const r = svg.getBoundingClientRect();
          const scale = r.width / svg.viewBox.baseVal.width;
          const x = r.left + (64 + ((m as number) / 6) * 816) * scale;
          const y = r.top + (30 + 196 - (sh as number) * 196) * scale;
          const hit = document.elementsFromPoint(x, y).find((e) => e.classList.contains('tier-area'));
          return (hit as PageElement | undefined)?.dataset.tier ?? 'none';
        },
        [minute, share],
      );
    const probes: [number, number, string][] = [
      [0.5, 0.3, 'primary'],
      [0.5, 0.8, 'cache'],
      [1.5, 0.2, 'cache'], // Triton killed: no primary answers
      [1.5, 0.45, 'stale_cache'],
      [1.5, 0.75, 'fallback_model'],
      [3.25, 0.3, 'primary'], // latency fault: the fallback model takes what misses the deadline
      [3.25, 0.95, 'fallback_model'],
      [5.5, 0.95, 'cache'],
    ];
    for (const [minute, share, tier] of probes)
      expect({ minute, share, tier: await tierAt(minute, share) }).toEqual({ minute, share, tier });
  });

  it('fills the error budget bars in proportion and colours the one past half', async () => {
    const bars = await page.locator('#error-budget rect.bar').evaluateAll((rs) =>
      rs.map((r) => ({
        level: (r as PageElement).dataset.level,
        width: (r as PageElement).getBBox().width,
        fill: getComputedStyle(r).fill,
      })),
    );
    expect(bars.map((b) => b.level)).toEqual(['ok', 'high']);
    expect(bars[1]?.width).toBeCloseTo(0.62 * 520, 0);
    expect(bars[0]?.fill).not.toBe(bars[1]?.fill);
  });

  it('names the deviated hypothesis and the page that did not arrive', async () => {
    const row = page.locator('tr', { hasText: 'latency-500ms' }).first();
    expect(await row.locator('[data-verdict]').textContent()).toBe('deviated');
    expect(await row.textContent()).toContain('missing: FraudLatencyBudgetBurn');
    expect(await row.textContent()).toContain('150 ms > tolerance 100 ms');
  });

  it('carries the result as JSON for re-processing', async () => {
    const embedded = await page.locator('#gameday-result').evaluate((s) => JSON.parse(s.textContent ?? 'null'));
    expect(embedded.title).toBe('fraud-serving game day');
    expect(embedded.experiments).toHaveLength(3);
  });

  it('keeps a full-page screenshot as a test artifact', async () => {
    const file = join(ARTIFACTS, 'failed-run', 'report.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(50_000);
  });

  it('shows "no data" in every chart of an empty run, with no line drawn', async () => {
    const empty = await context.newPage();
    try {
      await empty.goto(pathToFileURL(join(ARTIFACTS, 'empty-run', 'report.html')).href);
      expect(await empty.locator('#outcome').textContent()).toBe('NO DATA');
      const noData = await empty
        .locator('svg.chart text.no-data')
        .evaluateAll((ts) => ts.map((t) => ({ text: t.textContent, visible: (t as PageElement).getBBox().width > 0 })));
      expect(noData).toEqual(Array.from({ length: 5 }, () => ({ text: 'no data', visible: true })));
      expect(await empty.locator('path.series, path.tier-area').count()).toBe(0);
      await empty.screenshot({ path: join(ARTIFACTS, 'empty-run', 'report.png'), fullPage: true });
    } finally {
      await empty.close();
    }
  });
});
