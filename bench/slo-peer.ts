/**
 * `npm run bench -- slo-peer --json`: steadystate's SLO rules side by side with Sloth's
 * for the same SLO (fraud-availability, 99.95% over 30d), replaying identical synthetic
 * series through both rule sets with `promtool test rules`:
 * - detection time of a total outage (page alerts), against the workbook arithmetic;
 * - pages at zero traffic and at low traffic (sporadic failures), and the first page of a
 *   total outage under the low-traffic guard: traffic cut from 10 to 0.08 req/s, and a
 *   0.05 req/s service (issue 19);
 * - the 30-day budget of a month with day/night traffic, against the exact
 *   event-weighted value (sum of bad events / sum of events);
 * - what a missing error series does to each.
 * Sloth comes from the Go module proxy into .steadystate/gobin (not committed). Every
 * figure is a deterministic replay (promtool evaluates on a fixed grid), so one run is
 * exact; there is nothing to take a median of.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { paths } from '../src/adapters/process/paths.ts';
import { promtoolTestRules } from '../src/adapters/process/promtool.ts';
import { detectionTime } from '../src/core/slo/arithmetic.ts';
import { slosOf } from '../src/core/slo/resolve.ts';
import { renderValues } from '../src/core/slo/scenario.ts';
import { BURN_TIERS } from '../src/core/slo/windows.ts';
import { parseSpec } from '../src/core/spec/parse.ts';
import { sloRules } from '../src/generators/alerts/rules.ts';

const SLOTH_MODULE = 'github.com/slok/sloth/cmd/sloth';
const SLOTH_VERSION = 'v0.16.0';
const SLO_NAME = 'fraud-availability';
const GOOD = 'inference_requests_total{model="fraud",variant="v1",served_by="primary",code="200"}';
const BAD = 'inference_requests_total{model="fraud",variant="v1",served_by="error",code="500"}';
const TOTAL_SELECTOR = 'inference_requests_total{model="fraud"}';
const BAD_SELECTOR = 'inference_requests_total{model="fraud",served_by!~"primary|cache|stale_cache|fallback_model"}';

interface Sloth {
  binary: string;
  version: string;
  requested: string;
  note?: string;
}

/** Installs Sloth v0.16.0 (or, if the proxy refuses that version, once the newest) into .steadystate/gobin. */
function installSloth(): Sloth {
  const gobin = paths.state('gobin');
  const binary = join(gobin, 'sloth');
  const env = { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' };
  let note: string | undefined;
  if (!existsSync(binary)) {
    mkdirSync(gobin, { recursive: true });
    try {
      execFileSync('go', ['install', `${SLOTH_MODULE}@${SLOTH_VERSION}`], { env, stdio: 'pipe' });
    } catch (error) {
      note = `${SLOTH_VERSION} refused (${String((error as { stderr?: Buffer }).stderr ?? error)
        .trim()
        .slice(0, 200)}); installed @latest`;
      execFileSync('go', ['install', `${SLOTH_MODULE}@latest`], { env, stdio: 'pipe' });
    }
  }
  const info = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' });
  const version = /\bmod\s+github\.com\/slok\/sloth\s+(\S+)/.exec(info)?.[1] ?? 'unknown';
  return { binary, version, requested: SLOTH_VERSION, ...(note ? { note } : {}) };
}

function slothRules(sloth: Sloth, dir: string): string {
  const spec = {
    version: 'prometheus/v1',
    service: 'fraud',
    labels: {},
    slos: [
      {
        name: 'availability',
        objective: 99.95,
        description: 'the same SLO as steadystate.yaml fraud-availability',
        sli: {
          events: {
            error_query: `sum(rate(${BAD_SELECTOR}[{{.window}}]))`,
            total_query: `sum(rate(${TOTAL_SELECTOR}[{{.window}}]))`,
          },
        },
        alerting: {
          name: 'FraudAvailability',
          page_alert: { labels: { severity: 'page' } },
          ticket_alert: { labels: { severity: 'ticket' } },
        },
      },
    ],
  };
  writeFileSync(join(dir, 'sloth-spec.yml'), stringify(spec));
  execFileSync(sloth.binary, ['generate', '-i', join(dir, 'sloth-spec.yml'), '-o', join(dir, 'sloth.rules.yml')], {
    stdio: 'pipe',
  });
  return 'sloth.rules.yml';
}

/** Per rule set: how to ask for its page alerts and its 30d numbers. */
/**
 * Sloth writes its SLI recordings, meta recordings and alerts into three groups. Prometheus
 * runs groups concurrently, so its alerts read recordings up to one interval old; promtool
 * evaluates them in a fixed order only when told. Both orders are measured; steadystate
 * keeps an SLO's rules in one group, evaluated in order.
 */
const SLOTH_GROUPS = ['sli-recordings', 'meta-recordings', 'alerts'].map((g) => `sloth-slo-${g}-fraud-availability`);
const SLOTH_BEST = SLOTH_GROUPS;
const SLOTH_WORST = [...SLOTH_GROUPS].reverse();

const TOOLS = {
  steadystate: {
    rules: 'steadystate.rules.yml',
    pages: `ALERTS{alertstate="firing", severity="page", slo="${SLO_NAME}"}`,
    tickets: `ALERTS{alertstate="firing", severity="ticket", slo="${SLO_NAME}", burn_tier!="period"}`,
    ratio30d: `slo:sli_error:ratio_rate{slo="${SLO_NAME}", window="30d"}`,
    remaining: `slo:error_budget_remaining:ratio{slo="${SLO_NAME}"}`,
  },
  sloth: {
    rules: 'sloth.rules.yml',
    pages: 'ALERTS{alertstate="firing", sloth_severity="page"}',
    tickets: 'ALERTS{alertstate="firing", sloth_severity="ticket"}',
    ratio30d: 'slo:sli_error:ratio_rate30d{sloth_id="fraud-availability"}',
    remaining: 'slo:period_error_budget_remaining:ratio{sloth_id="fraud-availability"}',
  },
} as const;
type Tool = keyof typeof TOOLS;

interface Probe {
  expr: string;
  t: number;
}

/**
 * Runs one scenario through one rule set and reads the probes' values. promtool prints
 * what a query returned when it differs from the expectation, so each probe expects an
 * impossible value and the "got" line is the reading.
 */
async function replay(
  dir: string,
  tool: Tool,
  step: number,
  series: { series: string; increments: number[] }[],
  probes: Probe[],
  groupOrder?: string[],
): Promise<(number | undefined)[]> {
  const suite = {
    rule_files: [TOOLS[tool].rules],
    evaluation_interval: `${step}s`,
    ...(groupOrder ? { group_eval_order: groupOrder } : {}),
    tests: [
      {
        interval: `${step}s`,
        input_series: series.map((s) => ({ series: s.series, values: renderValues(s.increments) })),
        promql_expr_test: probes.map((p) => ({
          expr: p.expr,
          eval_time: `${p.t}s`,
          exp_samples: [{ labels: '{__probe__="x"}', value: -987654.321 }],
        })),
      },
    ],
  };
  const file = `${tool}-${Math.random().toString(36).slice(2)}.test.yml`;
  writeFileSync(join(dir, file), stringify(suite, { lineWidth: 0 }));
  const result = await promtoolTestRules([file], dir);
  const gots = [...result.output.matchAll(/got: (.*)/g)].map((m) => m[1] ?? '');
  if (gots.length !== probes.length) {
    throw new Error(
      `promtool gave ${gots.length} readings for ${probes.length} probes:\n${result.output.slice(0, 2000)}`,
    );
  }
  return gots.map((g) => {
    const m = /\{[^}]*\} ([-+]?(?:[0-9.]+(?:E[-+]?\d+)?|NaN|Inf))/i.exec(g);
    return m ? Number(m[1]) : undefined;
  });
}

/** Per-step increments of a good and a bad counter from per-second rates (never negative: counters only grow). */
function counters(
  step: number,
  phases: { seconds: number; good: (t: number) => number; bad: (t: number) => number }[],
) {
  const good: number[] = [];
  const bad: number[] = [];
  let t = 0;
  for (const p of phases) {
    for (let i = 0; i < p.seconds / step; i++, t += step) {
      good.push(Math.round(p.good(t) * step * 1024) / 1024);
      bad.push(Math.round(p.bad(t) * step * 1024) / 1024);
    }
  }
  return { good, bad };
}

export default async function sloPeer(_args: string[]): Promise<Record<string, unknown>> {
  const sloth = installSloth();
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-slo-peer-'));
  try {
    const slo = slosOf(parseSpec(readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8'))).find(
      (s) => s.name === SLO_NAME,
    );
    if (!slo) throw new Error(`steadystate.yaml has no SLO ${SLO_NAME}`);
    writeFileSync(join(dir, TOOLS.steadystate.rules), stringify(sloRules(slo), { lineWidth: 0 }));
    slothRules(sloth, dir);
    const slothAlerts = (
      parseYaml(readFileSync(join(dir, 'sloth.rules.yml'), 'utf8')) as { groups: { rules: { alert?: string }[] }[] }
    ).groups
      .flatMap((g) => g.rules)
      .filter((r) => r.alert).length;

    // 1. Detection of a total outage after 6h of clean traffic (10 req/s), 15s grid.
    const step = 15;
    const t0 = 6 * 3600;
    const outage = counters(step, [
      { seconds: t0, good: () => 10, bad: () => 0 },
      { seconds: 40 * 60, good: () => 0, bad: () => 10 },
    ]);
    const detection: Record<string, number | null> = {};
    const runs: [string, Tool, string[] | undefined][] = [
      ['steadystate', 'steadystate', undefined],
      ['sloth_recordings_first', 'sloth', SLOTH_BEST],
      ['sloth_alerts_first', 'sloth', SLOTH_WORST],
    ];
    for (const [label, tool, order] of runs) {
      const [first] = await replay(
        dir,
        tool,
        step,
        [
          { series: GOOD, increments: outage.good },
          { series: BAD, increments: outage.bad },
        ],
        [{ expr: `min_over_time(timestamp(${TOOLS[tool].pages})[40m:${step}s])`, t: t0 + 40 * 60 }],
        order,
      );
      detection[label] = first === undefined ? null : first - t0;
    }

    // 2. Zero traffic after a clean hour, and 3. low traffic: 0.05 req/s with 3 failures an hour.
    const zero = counters(step, [
      { seconds: 3600, good: () => 10, bad: () => 0 },
      { seconds: 6 * 3600, good: () => 0, bad: () => 0 },
    ]);
    const lowRps = 0.05;
    const low = counters(step, [
      { seconds: 6 * 3600, good: () => lowRps, bad: (t) => (t % 1200 === 0 ? 1 / step : 0) },
    ]);
    const pages = async (tool: Tool, c: { good: number[]; bad: number[] }, span: number) => {
      const [page, ticket] = await replay(
        dir,
        tool,
        step,
        [
          { series: GOOD, increments: c.good },
          { series: BAD, increments: c.bad },
        ],
        [
          { expr: `count_over_time((${TOOLS[tool].pages})[${span}s:${step}s])`, t: span },
          { expr: `count_over_time((${TOOLS[tool].tickets})[${span}s:${step}s])`, t: span },
        ],
        tool === 'sloth' ? SLOTH_BEST : undefined,
      );
      return { page_minutes: ((page ?? 0) * step) / 60, ticket_minutes: ((ticket ?? 0) * step) / 60 };
    };
    const zeroTraffic = {
      steadystate: await pages('steadystate', zero, 7 * 3600),
      sloth: await pages('sloth', zero, 7 * 3600),
    };
    const lowTraffic = {
      steadystate: await pages('steadystate', low, 6 * 3600),
      sloth: await pages('sloth', low, 6 * 3600),
    };

    // 3b. Outages under the low-traffic guard (issue 19): the first page after the outage
    //     starts, or null when none comes within the span.
    const firstPage = async (tool: Tool, c: { good: number[]; bad: number[] }, t0: number, span: number) => {
      const [first] = await replay(
        dir,
        tool,
        step,
        [
          { series: GOOD, increments: c.good },
          { series: BAD, increments: c.bad },
        ],
        [{ expr: `min_over_time(timestamp(${TOOLS[tool].pages})[${span}s:${step}s])`, t: t0 + span }],
        tool === 'sloth' ? SLOTH_BEST : undefined,
      );
      return first === undefined ? null : first - t0;
    };
    const outageSpan = 90 * 60;
    const collapse = counters(step, [
      { seconds: 6 * 3600, good: () => 10, bad: () => 0 },
      { seconds: outageSpan, good: () => 0, bad: () => 0.08 },
    ]);
    const quietRps = 0.05;
    const quiet = counters(step, [
      { seconds: 6 * 3600, good: () => quietRps, bad: () => 0 },
      { seconds: outageSpan, good: () => 0, bad: () => quietRps },
    ]);
    const lowTrafficOutages = {
      scenario: `first page (seconds after the outage starts, null: none within ${outageSpan / 60} min), all requests failing`,
      traffic_cut_10_to_0_08: {
        steadystate: await firstPage('steadystate', collapse, 6 * 3600, outageSpan),
        sloth: await firstPage('sloth', collapse, 6 * 3600, outageSpan),
      },
      steady_0_05: {
        steadystate: await firstPage('steadystate', quiet, 6 * 3600, outageSpan),
        sloth: await firstPage('sloth', quiet, 6 * 3600, outageSpan),
      },
    };

    // 4. A 30-day month on a 5m grid: traffic swings 10x between day and night, and the
    //    failures cluster in the quiet hours (a nightly batch job), as on a real service.
    const monthStep = 300;
    const day = 86400;
    const traffic = (t: number) => 10 * (1 + 0.82 * Math.sin((2 * Math.PI * t) / day));
    const failing = (t: number) => (Math.sin((2 * Math.PI * t) / day) < -0.5 ? 0.0015 : 0.0001);
    const month = counters(monthStep, [
      {
        seconds: 30 * day,
        good: (t) => traffic(t) * (1 - failing(t)),
        bad: (t) => traffic(t) * failing(t),
      },
    ]);
    const exactRatio =
      month.bad.reduce((a, b) => a + b, 0) /
      month.good.map((g, i) => g + (month.bad[i] ?? 0)).reduce((a, b) => a + b, 0);
    const exactRemaining = 1 - exactRatio / slo.budget;
    const budget: Record<string, unknown> = { exact_error_ratio: exactRatio, exact_remaining: exactRemaining };
    for (const tool of ['steadystate', 'sloth'] as const) {
      const [ratio, remaining] = await replay(
        dir,
        tool,
        monthStep,
        [
          { series: GOOD, increments: month.good },
          { series: BAD, increments: month.bad },
        ],
        [
          { expr: TOOLS[tool].ratio30d, t: 30 * day },
          { expr: TOOLS[tool].remaining, t: 30 * day },
        ],
        tool === 'sloth' ? SLOTH_BEST : undefined,
      );
      budget[tool] = {
        error_ratio: ratio ?? null,
        remaining: remaining ?? null,
        remaining_error_points: remaining === undefined ? null : Math.abs(remaining - exactRemaining) * 100,
        ratio_relative_error: ratio === undefined ? null : Math.abs(ratio - exactRatio) / exactRatio,
      };
    }

    // 5. A service that never failed has no error series at all.
    const clean = counters(step, [{ seconds: 2 * 3600, good: () => 10, bad: () => 0 }]);
    const missing: Record<string, unknown> = {};
    for (const tool of ['steadystate', 'sloth'] as const) {
      const [remaining] = await replay(
        dir,
        tool,
        step,
        [{ series: GOOD, increments: clean.good }],
        [{ expr: TOOLS[tool].remaining, t: 2 * 3600 }],
        tool === 'sloth' ? SLOTH_BEST : undefined,
      );
      missing[tool] = { budget_remaining: remaining ?? 'no value (the ratio is absent)' };
    }

    const fast = BURN_TIERS.find((t) => t.name === 'fast')!;
    return {
      slo: `${SLO_NAME}: ${slo.objective * 100}% over ${slo.period}`,
      sloth: { ...sloth, alerting_rules: slothAlerts },
      replay: 'promtool test rules on identical input series; deterministic, one run',
      outage_detection_seconds: {
        ...detection,
        workbook: detectionTime(fast, slo.objective, slo.periodSec),
        grid_seconds: step,
      },
      zero_traffic_pages: zeroTraffic,
      low_traffic_pages: {
        scenario: `${lowRps} good req/s plus 3 failures an hour for 6h (steadystate holds pages below ${slo.alerting.minEventRate} events/s unless ${slo.alerting.outageErrorRatio * 100}% of the short window failed and ${slo.alerting.outageMinBadEvents} over the long one)`,
        ...lowTraffic,
      },
      low_traffic_outage_first_page_seconds: lowTrafficOutages,
      budget_30d: budget,
      missing_error_series: missing,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
