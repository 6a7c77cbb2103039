import { SLO } from '../../core/metrics/names.ts';
import { num } from '../../core/promql/builder.ts';
import { detectionTime, outageEscapeTime, resetTime, sliceLag, tierThreshold } from '../../core/slo/arithmetic.ts';
import { guarded } from '../../core/slo/low-traffic.ts';
import type { ResolvedSlo } from '../../core/slo/resolve.ts';
import { type AlertingRule, isAlertingRule, type RuleFile } from '../../core/slo/rule-types.ts';
import {
  effectiveBadRatio,
  type Phase,
  Replay,
  renderValues,
  type Scenario,
  syntheticInputs,
} from '../../core/slo/scenario.ts';
import { SLO_ALERTS } from '../../core/slo/series.ts';
import {
  BURN_TIERS,
  type BurnTier,
  burnFactor,
  formatDuration,
  humanDuration,
  SUMMED_BASE,
  summedWindow,
} from '../../core/slo/windows.ts';
import { humanize, humanizePercentage, nearRoundingEdge } from './go-format.ts';

/**
 * promtool unit-test suites for one SLO, computed from the same arithmetic as the rules
 * (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/).
 * Every expectation comes from a Replay of the synthetic series; the continuous formulas
 * of arithmetic.ts are checked against the replay while generating, so a suite that
 * passes under promtool proves the rules, the replay and the formulas agree.
 */

export interface PromtoolTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: TestGroup[];
}

export interface TestGroup {
  name: string;
  interval: string;
  input_series: { series: string; values: string }[];
  alert_rule_test?: AlertRuleTest[];
  promql_expr_test?: PromqlExprTest[];
}

interface AlertRuleTest {
  eval_time: string;
  alertname: string;
  exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}

interface PromqlExprTest {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}

type Check =
  | { kind: 'alert'; alert: string; t: number }
  | { kind: 'expr'; expr: string; t: number; labels: string; value: number | undefined };

interface Case {
  scenario: Scenario;
  checks: Check[];
}

export class SuiteArithmeticError extends Error {
  override readonly name = 'SuiteArithmeticError';
}

/** The rate of the synthetic traffic: 10 events/s keeps every increment a whole number at 30s and 5m steps. */
const RPS = 10;

/** Sample and evaluation intervals of a suite; evaluations are a multiple of samples. */
interface Grid {
  step: number;
  evalStep: number;
}

export interface SloSuites {
  page: PromtoolTestFile;
  ticket: PromtoolTestFile;
}

/**
 * Suites for an SLO whose SLI can be synthesised; undefined for raw-PromQL SLIs.
 * The page suite runs at 30s (detection edges to the half minute); the ticket suite covers
 * days, so it evaluates every 5m (its windows are hours and days).
 */
export function sloSuites(slo: ResolvedSlo, rules: RuleFile, ruleFileFromTests: string): SloSuites | undefined {
  if (!slo.sli.synthetic) return undefined;
  const alerting = rules.groups.flatMap((g) => g.rules).filter(isAlertingRule);
  const byName = new Map(alerting.map((r) => [r.alert, r]));
  const pageTiers = BURN_TIERS.filter((t) => t.severity === 'page');
  const ticketTiers = BURN_TIERS.filter((t) => t.severity === 'ticket');
  const timeslice = slo.sli.kind === 'timeslice';
  // A time-slice SLI needs at least two samples per slice.
  const page: Grid = { step: timeslice ? sliceStep(slo, 30) : 30, evalStep: 30 };
  const ticket: Grid = { step: timeslice ? sliceStep(slo, 300) : 300, evalStep: 300 };
  const pageCases = timeslice ? timeslicePageCases(slo, pageTiers, page) : ratioPageCases(slo, pageTiers, page);
  const ticketCases = timeslice
    ? timesliceTicketCases(slo, ticketTiers, ticket)
    : ratioTicketCases(slo, ticketTiers, ticket);
  const file = (g: Grid, cases: Case[]): PromtoolTestFile => ({
    rule_files: [ruleFileFromTests],
    evaluation_interval: formatDuration(g.evalStep),
    tests: cases.map((c) => renderCase(slo, byName, c)),
  });
  return { page: file(page, pageCases), ticket: file(ticket, ticketCases) };
}

function sliceSec(slo: ResolvedSlo): number {
  return slo.sli.kind === 'timeslice' ? slo.sli.sliceSec : 60;
}

/** The largest sample interval up to `most` that puts at least two samples in a slice and divides `most`. */
function sliceStep(slo: ResolvedSlo, most: number): number {
  const slice = sliceSec(slo);
  for (let s = Math.min(most, slice / 2); s >= 1; s--) {
    if (Number.isInteger(s) && slice % s === 0 && most % s === 0) return s;
  }
  return 1;
}

const clean = (duration: number, rps = RPS): Phase => ({ duration, rps, badRatio: 0 });
const burning = (duration: number, badRatio: number, rps = RPS): Phase => ({ duration, rps, badRatio });

/** Rounds a duration up to the grid. */
function grid(seconds: number, step: number): number {
  return Math.ceil(seconds / step) * step;
}

function scenario(name: string, g: Grid, phases: Phase[], presence?: Scenario['presence']): Scenario {
  return {
    name,
    step: g.step,
    evalStep: g.evalStep,
    phases: phases.filter((p) => p.duration > 0),
    ...(presence ? { presence } : {}),
  };
}

/** An outage long enough for every tier to fire: 1.5 × the slowest detection, at least `least`. */
function outageFor(slo: ResolvedSlo, tiers: BurnTier[], least: number, g: Grid): number {
  const slowest = Math.max(...tiers.map((t) => detectionTime(t, slo.objective, slo.periodSec, 1)));
  return grid(Math.max(least, 1.5 * slowest + 2 * sliceSec(slo)), Math.max(g.evalStep, 60));
}

function alertAt(alert: string, t: number): Check {
  return { kind: 'alert', alert, t };
}

/** The first-firing edge of an alert: silent one evaluation before, firing at it. */
function edge(replay: Replay, alert: string, from: number, to?: number): { at: number; checks: Check[] } {
  const at = replay.firstFiring(alert, from, to);
  if (at === undefined) {
    throw new SuiteArithmeticError(
      `${replay.scenario.name}: ${alert} never fires between ${from}s and ${to ?? replay.end}s`,
    );
  }
  return { at, checks: [alertAt(alert, at - replay.evalStep), alertAt(alert, at)] };
}

/** The clearing edge: firing one evaluation before, silent at it. */
function clearing(replay: Replay, alert: string, from: number): { at: number; checks: Check[] } {
  const at = replay.firstSilent(alert, from);
  if (at === undefined) throw new SuiteArithmeticError(`${replay.scenario.name}: ${alert} never clears after ${from}s`);
  return { at, checks: [alertAt(alert, at - replay.evalStep), alertAt(alert, at)] };
}

function assertWithin(what: string, measured: number, lo: number, hi: number): void {
  if (!(measured >= lo - 1e-9 && measured <= hi + 1e-9)) {
    throw new SuiteArithmeticError(
      `${what}: the replay gives ${measured}s but the arithmetic allows [${lo.toFixed(2)}, ${hi.toFixed(2)}]s; rules and arithmetic disagree`,
    );
  }
}

function assertNever(replay: Replay, alert: string, from: number, to: number): void {
  const at = replay.firstFiring(alert, from, to);
  if (at !== undefined)
    throw new SuiteArithmeticError(`${replay.scenario.name}: ${alert} fires at ${at}s but must stay silent`);
}

/** Evaluation times spread over (from, to], on the evaluation grid. */
function spread(replay: Replay, from: number, to: number, count = 3): number[] {
  const times = Array.from({ length: count }, (_, i) => replay.onGrid(from + ((to - from) * (i + 1)) / count));
  return [...new Set(times.map((t) => Math.min(t, replay.end)))];
}

/** A total outage after a clean history as long as the longest window of the tiers. */
function outageCase(slo: ResolvedSlo, tiers: BurnTier[], g: Grid, least: number, what: string): Case {
  const history = Math.max(...tiers.map((t) => t.long));
  const outage = outageFor(slo, tiers, least, g);
  const recovery = grid(Math.max(...tiers.map((t) => t.short)) + 600, g.evalStep);
  const sli = slo.sli;
  const offered = sli.kind === 'timeslice' && sli.throughput ? 2 * sli.throughput.minRps : RPS;
  const replay = new Replay(
    slo,
    scenario(what, g, [clean(history, offered), burning(outage, 1, offered), clean(recovery, offered)]),
  );
  const t0 = history;
  const t1 = history + outage;
  // Time-slice SLOs burn whole slices: a slice turns bad a slice-lag after the collapse.
  const lag = sli.kind === 'timeslice' && sli.throughput ? sliceLag(sli.sliceSec, offered, sli.throughput.minRps) : 0;
  const checks: Check[] = tiers.map((tier) => alertAt(tier.alert, t0));
  for (const tier of tiers) {
    // A window of a time-slice SLO holds w / evaluation + 1 indicator samples: its share
    // moves in steps of one sample, up to one evaluation plus a slice off the continuous value.
    const slack =
      sli.kind === 'timeslice'
        ? g.evalStep + sli.sliceSec + tierThreshold(tier, slo.objective, slo.periodSec) * tier.short
        : 0;
    // A summed window's 5m-rate lag is half the base window when sampled finely and shrinks
    // towards 0 as evaluations get as coarse as the base window.
    const lagSlack = sli.kind === 'ratio' && summedWindow(tier.long) ? SUMMED_BASE / 2 : 0;
    const fire = edge(replay, tier.alert, t0, t1);
    const d = lag + detectionTime(tier, slo.objective, slo.periodSec, 1);
    assertWithin(`${slo.name} ${tier.alert} detection`, fire.at - t0, d - slack - lagSlack, d + g.evalStep + slack);
    const clear = clearing(replay, tier.alert, t1);
    const r = resetTime(tier, slo.objective, slo.periodSec, 1, outage);
    assertWithin(`${slo.name} ${tier.alert} reset`, clear.at - t1, r - g.evalStep - slack, r + g.evalStep + slack);
    checks.push(...fire.checks, ...clear.checks);
  }
  if (tiers.some((t) => t.severity === 'page')) checks.push(...edge(replay, SLO_ALERTS.exhausted, t0, t1).checks);
  return { scenario: replay.scenario, checks };
}

function ratioPageCases(slo: ResolvedSlo, tiers: BurnTier[], g: Grid): Case[] {
  const cases: Case[] = [
    outageCase(
      slo,
      tiers,
      g,
      35 * 60,
      'a total outage pages within the computed detection time; recovery clears within about the short window',
    ),
  ];
  for (const tier of tiers) cases.push(...underOver(slo, tier, g, tiers));
  // Zero traffic: the series stay, the rates are 0, the ratios NaN: no alert at all.
  {
    const replay = new Replay(
      slo,
      scenario('zero traffic never pages (ratios are NaN, not errors)', g, [clean(3600), clean(2 * 3600, 0)]),
    );
    const checks: Check[] = [];
    for (const tier of BURN_TIERS) {
      assertNever(replay, tier.alert, 0, replay.end);
      checks.push(...spread(replay, 3600, replay.end).map((t) => alertAt(tier.alert, t)));
    }
    checks.push(alertAt(SLO_ALERTS.absent, replay.end));
    checks.push({
      kind: 'expr',
      expr: `${SLO.eventRate}{slo="${slo.name}"}`,
      t: replay.end,
      labels: ownSeries(slo, SLO.eventRate),
      value: 0,
    });
    cases.push({ scenario: replay.scenario, checks });
  }
  if (tiers.some((t) => guarded(slo, t))) cases.push(...lowTrafficCases(slo, tiers, g));
  // A missing error series counts as zero errors, not as "no data".
  if (slo.sli.kind === 'ratio' && slo.sli.bad !== undefined) {
    const replay = new Replay(
      slo,
      scenario('a missing error series counts as zero errors', g, [clean(3600)], 'no-bad'),
    );
    const t = replay.end;
    const checks: Check[] = tiers.map((tier) => alertAt(tier.alert, t));
    for (const w of ['5m', '1h']) {
      checks.push({
        kind: 'expr',
        expr: `${SLO.errorRatio}{slo="${slo.name}", window="${w}"}`,
        t,
        labels: ownSeries(slo, SLO.errorRatio, { window: w }),
        value: 0,
      });
    }
    checks.push({
      kind: 'expr',
      expr: `${SLO.budgetRemaining}{slo="${slo.name}"}`,
      t,
      labels: ownSeries(slo, SLO.budgetRemaining),
      value: replay.budgetRemaining(t),
    });
    cases.push({ scenario: replay.scenario, checks });
  }
  cases.push(absentCase(slo, g));
  return cases;
}

/**
 * The low-traffic guard and its outage escape (low-traffic.ts): sporadic failures and a
 * handful of failed requests stay quiet under the guard; a total outage pages at any
 * traffic, also one that cut the traffic (issue 19: Sloth paged that one after 39 min).
 */
function lowTrafficCases(slo: ResolvedSlo, tiers: BurnTier[], g: Grid): Case[] {
  const guardedTiers = tiers.filter((t) => guarded(slo, t));
  const { minEventRate, outageErrorRatio, outageMinBadEvents } = slo.alerting;
  const fast = guardedTiers[0] as BurnTier;
  const cases: Case[] = [];
  const held = (t: number): Check => ({
    kind: 'expr',
    expr: `${SLO.eventRate}{slo="${slo.name}"} < bool ${minEventRate}`,
    t,
    labels: ownSeries(slo, undefined),
    value: 1,
  });
  // Sporadic failures: half the minimum rate, one failed request alone among successes,
  // often enough to burn 1.5x over every page threshold and to pass the minimum count over
  // 1h, so only the near-total ratio of the outage escape holds the page.
  {
    const rps = minEventRate / 2;
    const one = 1 / (rps * g.step);
    const threshold = Math.max(...guardedTiers.map((t) => tierThreshold(t, slo.objective, slo.periodSec)));
    const share = Math.min(0.5, Math.max(1.5 * threshold, (outageMinBadEvents + 1) / (fast.long * rps)));
    const every = Math.max(2 * g.step, Math.floor(1 / (share * rps) / g.step) * g.step);
    const cycle: Phase[] = [clean(every - g.step, rps), burning(g.step, one, rps)];
    const phases: Phase[] = [clean(600, rps)];
    for (let t = 0; t < 3600 + 600; t += every) phases.push(...cycle);
    const replay = new Replay(
      slo,
      scenario(
        `sporadic failures under the low-traffic guard (${rps} events/s, one failure every ${humanDuration(every)}) never page; the ticket tiers still see them`,
        g,
        phases,
      ),
    );
    const checks: Check[] = [];
    for (const tier of tiers) {
      assertNever(replay, tier.alert, 0, replay.end);
      checks.push(...spread(replay, 600, replay.end, 6).map((t) => alertAt(tier.alert, t)));
      // The burn itself is over the threshold: only the guard holds the page.
      checks.push({
        kind: 'expr',
        expr: `${SLO.burnRate}{slo="${slo.name}", window="${formatDuration(tier.long)}"} > bool ${burnFactor(tier, slo.periodSec)}`,
        t: replay.end,
        labels: ownSeries(slo, undefined, { window: formatDuration(tier.long) }),
        value: 1,
      });
    }
    const ticket = BURN_TIERS.find((t) => t.severity === 'ticket');
    if (ticket) checks.push(alertAt(ticket.alert, replay.end));
    checks.push(held(replay.end));
    cases.push({ scenario: replay.scenario, checks });
  }
  // A handful of failures that are the whole traffic of a quiet service: the short window
  // is all failures, but fewer than the minimum count over the long window.
  {
    const rps = minEventRate / 10;
    const few = grid(((outageMinBadEvents - 1) / rps) * 0.9, g.step);
    const replay = new Replay(
      slo,
      scenario(
        `a few failed requests in a row (${fmtCount(rps * few)} at ${rps} events/s, fewer than ${outageMinBadEvents}) do not page`,
        g,
        [clean(3600, rps), burning(few, 1, rps), clean(600, rps)],
      ),
    );
    const checks: Check[] = [];
    for (const tier of tiers) {
      assertNever(replay, tier.alert, 0, replay.end);
      checks.push(...spread(replay, 3600, 3600 + few + 300, 4).map((t) => alertAt(tier.alert, t)));
    }
    checks.push({
      kind: 'expr',
      expr: `${SLO.errorRatio}{slo="${slo.name}", window="${formatDuration(fast.short)}"}`,
      t: 3600 + few,
      labels: ownSeries(slo, SLO.errorRatio, { window: formatDuration(fast.short) }),
      value: replay.errorRatio(3600 + few, fast.short),
    });
    cases.push({ scenario: replay.scenario, checks });
  }
  // A total outage at a steady traffic under the guard (issue 19: 0.05 events/s).
  // A total outage that cut the traffic from 10 to 0.08 events/s: the 1h window stays
  // diluted by the good hour before it for 39 min at 99.9%; the 5m one is all failures.
  for (const [historyRps, outageRps, what] of [
    // The rates differ so that no evaluation sits exactly on the 90% edge, where the order
    // in which Prometheus sums the series would decide.
    [
      minEventRate / 2,
      Number(num(minEventRate * 0.4)),
      `a total outage at ${num(minEventRate * 0.4)} events/s (under the low-traffic guard)`,
    ],
    [
      RPS,
      Number(num(minEventRate * 0.8)),
      `a total outage that cuts traffic from ${RPS} to ${num(minEventRate * 0.8)} events/s`,
    ],
  ] as const) {
    const escapeAt = outageEscapeTime(fast, slo.objective, slo.periodSec, {
      historyRps,
      outageRps,
      ratio: outageErrorRatio,
      minBad: outageMinBadEvents,
      minRate: minEventRate,
    });
    const outage = grid(Math.max(20 * 60, 2 * escapeAt), g.evalStep);
    const replay = new Replay(
      slo,
      scenario(
        `${what} pages once ${fmt(outageErrorRatio)} of ${formatDuration(fast.short)} failed and ${outageMinBadEvents} over ${formatDuration(fast.long)}; recovery clears it`,
        g,
        [clean(3600, historyRps), burning(outage, 1, outageRps), clean(600, historyRps)],
      ),
    );
    const t0 = 3600;
    const fire = edge(replay, fast.alert, t0, t0 + outage);
    assertWithin(`${slo.name} ${fast.alert} outage escape (${what})`, fire.at - t0, escapeAt, escapeAt + g.evalStep);
    const clear = clearing(replay, fast.alert, t0 + outage);
    const checks: Check[] = [...fire.checks, ...clear.checks, held(fire.at)];
    for (const tier of tiers) if (tier !== fast) checks.push(alertAt(tier.alert, fire.at));
    cases.push({ scenario: replay.scenario, checks });
  }
  return cases;
}

function fmtCount(n: number): string {
  return String(Number(n.toPrecision(6)));
}

/**
 * A burn at 0.9x a tier's threshold stays silent; one at 1.1x fires. Burning from the first
 * sample, every window's error ratio is the burn itself as soon as it holds data, so a
 * short window's length of burn puts both windows of the tier at 0.9x (or 1.1x); the
 * window lengths are what the outage case checks. The 1.1x burn of the fast tier follows
 * a clean hour instead, so its edge also checks the detection time (1h / 1.1).
 */
function underOver(slo: ResolvedSlo, tier: BurnTier, g: Grid, alsoCheck: BurnTier[]): Case[] {
  const threshold = tierThreshold(tier, slo.objective, slo.periodSec);
  const cases: Case[] = [];
  {
    const ratio = threshold * 0.9;
    const replay = new Replay(
      slo,
      scenario(
        `a burn just under the ${tier.name} threshold (${fmt(ratio)} errors, 0.9 x ${fmt(threshold)}) stays silent`,
        g,
        [burning(grid(tier.short + 4 * g.evalStep, g.evalStep), ratio)],
      ),
    );
    assertNever(replay, tier.alert, 0, replay.end);
    const checks = spread(replay, tier.short - g.evalStep, replay.end, 4).map((t) => alertAt(tier.alert, t));
    for (const other of alsoCheck) if (other !== tier) checks.push(alertAt(other.alert, replay.end));
    cases.push({ scenario: replay.scenario, checks });
  }
  {
    const ratio = threshold * 1.1;
    const history = tier.long <= 3600 ? tier.long : 0;
    const span = grid(history > 0 ? tier.long : 2 * tier.short, g.evalStep);
    const replay = new Replay(
      slo,
      scenario(
        `a burn just over the ${tier.name} threshold (${fmt(ratio)} errors, 1.1 x ${fmt(threshold)}) fires ${tier.alert}`,
        g,
        [clean(history), burning(span, ratio)],
      ),
    );
    const fire = edge(replay, tier.alert, history);
    if (history > 0) {
      const actual = effectiveBadRatio(slo, burning(span, ratio), g.step);
      const d = detectionTime(tier, slo.objective, slo.periodSec, actual);
      assertWithin(`${slo.name} ${tier.alert} at 1.1x`, fire.at - history, d, d + g.evalStep);
    }
    cases.push({ scenario: replay.scenario, checks: fire.checks });
  }
  return cases;
}

function ratioTicketCases(slo: ResolvedSlo, tiers: BurnTier[], g: Grid): Case[] {
  return [
    outageCase(
      slo,
      tiers,
      g,
      30 * 60,
      'a total outage opens the tickets within the computed detection time; they clear within about the short window',
    ),
    ...tiers.flatMap((tier) => underOver(slo, tier, g, tiers)),
  ];
}

function timeslicePageCases(slo: ResolvedSlo, tiers: BurnTier[], g: Grid): Case[] {
  const sli = slo.sli;
  if (sli.kind !== 'timeslice' || !sli.throughput) return [];
  const offered = 2 * sli.throughput.minRps;
  const cases: Case[] = [
    outageCase(
      slo,
      tiers,
      g,
      40 * 60,
      'a throughput collapse pages within the computed detection time; recovery clears within about the short window',
    ),
  ];
  for (const tier of tiers) cases.push(...timesliceUnderOver(slo, tier, g, offered, tiers));
  {
    const replay = new Replay(
      slo,
      scenario('zero traffic never pages (nothing offered, nothing owed)', g, [
        clean(3600, offered),
        clean(2 * 3600, 0),
      ]),
    );
    const checks: Check[] = [];
    for (const tier of BURN_TIERS) {
      assertNever(replay, tier.alert, 0, replay.end);
      checks.push(...spread(replay, 3600, replay.end).map((t) => alertAt(tier.alert, t)));
    }
    cases.push({ scenario: replay.scenario, checks });
  }
  {
    const rps = sli.throughput.minRps / 5;
    const replay = new Replay(
      slo,
      scenario(`offered load below ${sli.throughput.minRps}/s never pages, even when all of it is shed`, g, [
        burning(2 * 3600, 1, rps),
      ]),
    );
    const checks: Check[] = [];
    for (const tier of BURN_TIERS) {
      assertNever(replay, tier.alert, 0, replay.end);
      checks.push(alertAt(tier.alert, replay.end));
    }
    cases.push({ scenario: replay.scenario, checks });
  }
  {
    const replay = new Replay(
      slo,
      scenario('a missing good series counts as zero good answers', g, [burning(3600, 1, offered)], 'no-good'),
    );
    const checks: Check[] = [
      {
        kind: 'expr',
        expr: `${SLO.errorRatio}{slo="${slo.name}", window="slice"}`,
        t: replay.end,
        labels: ownSeries(slo, SLO.errorRatio, { window: 'slice' }),
        value: 1,
      },
    ];
    for (const tier of tiers) checks.push(...edge(replay, tier.alert, 0).checks);
    cases.push({ scenario: replay.scenario, checks });
  }
  cases.push(absentCase(slo, g));
  return cases;
}

/**
 * The ticket tiers of a time-slice SLO: detection and reset of a collapse. The stall
 * patterns that bracket a threshold would need cycles of a day and more at 5m
 * evaluations; the page suite brackets the page thresholds, which share the comparison.
 */
function timesliceTicketCases(slo: ResolvedSlo, tiers: BurnTier[], g: Grid): Case[] {
  const sli = slo.sli;
  if (sli.kind !== 'timeslice' || !sli.throughput) return [];
  return [
    outageCase(
      slo,
      tiers,
      g,
      60 * 60,
      'a throughput collapse opens the tickets; they clear within about the short window',
    ),
  ];
}

/**
 * Time-slice SLOs burn in whole slices, so "just under" is a pattern: every cycle the
 * served throughput stalls for k samples. The largest k that never fires the tier and
 * k + 1, which does, bracket its threshold to one sample per cycle.
 */
function timesliceUnderOver(slo: ResolvedSlo, tier: BurnTier, g: Grid, offered: number, alsoCheck: BurnTier[]): Case[] {
  const threshold = tierThreshold(tier, slo.objective, slo.periodSec);
  const cycle = grid(Math.max(3600, (4 * g.evalStep) / threshold), g.evalStep);
  const span = grid(tier.long + tier.short, g.evalStep);
  const history = grid(2 * sliceSec(slo), g.evalStep);
  const scenarioFor = (k: number, name: string): Scenario => {
    const phases: Phase[] = [clean(history, offered)];
    for (let t = 0; t < span; t += cycle) {
      const length = Math.min(cycle, span - t);
      const stall = Math.min(k * g.step, length);
      const lead = Math.floor((length - stall) / 2 / g.step) * g.step;
      phases.push(clean(lead, offered), burning(stall, 1, offered), clean(length - lead - stall, offered));
    }
    return scenario(name, g, phases);
  };
  let under: number | undefined;
  for (let k = 1; k * g.step < cycle; k++) {
    const replay = new Replay(slo, scenarioFor(k, 'probe'));
    if (replay.firstFiring(tier.alert, history) !== undefined) break;
    under = k;
  }
  if (under === undefined)
    throw new SuiteArithmeticError(`${slo.name}: no stall pattern stays under the ${tier.name} threshold`);
  const k = under;
  const stall = (n: number) => formatDuration(n * g.step);
  const quiet = new Replay(
    slo,
    scenarioFor(
      k,
      `stalls of ${stall(k)} every ${formatDuration(cycle)} stay just under the ${tier.name} threshold (${fmt(threshold)} of the time)`,
    ),
  );
  const loud = new Replay(
    slo,
    scenarioFor(
      k + 1,
      `stalls of ${stall(k + 1)} every ${formatDuration(cycle)} go just over it and fire ${tier.alert}`,
    ),
  );
  const quietChecks = spread(quiet, history, quiet.end, 4).map((t) => alertAt(tier.alert, t));
  const loudChecks = edge(loud, tier.alert, history).checks;
  for (const other of alsoCheck) {
    if (other === tier) continue;
    quietChecks.push(alertAt(other.alert, quiet.end));
    loudChecks.push(alertAt(other.alert, loud.end));
  }
  return [
    { scenario: quiet.scenario, checks: quietChecks },
    { scenario: loud.scenario, checks: loudChecks },
  ];
}

function absentCase(slo: ResolvedSlo, g: Grid): Case {
  const absentFor = slo.alerting.absentForSec;
  const replay = new Replay(
    slo,
    scenario(
      `no series at all fires ${SLO_ALERTS.absent} after ${formatDuration(absentFor)}`,
      g,
      [clean(grid(absentFor + 600, g.evalStep), 0)],
      'none',
    ),
  );
  return { scenario: replay.scenario, checks: edge(replay, SLO_ALERTS.absent, 0).checks };
}

function fmt(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(4))}%`;
}

/** The label set of one of this SLO's recorded series, as promtool prints it. */
function ownSeries(slo: ResolvedSlo, name: string | undefined, extra: Record<string, string> = {}): string {
  const labels: Record<string, string> = { model: slo.model, slo: slo.name, ...groupLabels(slo), ...extra };
  const body = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(', ');
  return `${name ?? ''}{${body}}`;
}

/** Synthetic series carry variant="v1"; grouped SLOs keep that label. */
function groupLabels(slo: ResolvedSlo): Record<string, string> {
  return Object.fromEntries(slo.groupBy.map((g) => [g, g === 'variant' ? 'v1' : '']));
}

/** Cuts a scenario after its last check: rules only look back, so nothing before changes. */
function truncate(s: Scenario, end: number): Scenario {
  const phases: Phase[] = [];
  let t = 0;
  for (const p of s.phases) {
    if (t >= end) break;
    phases.push({ ...p, duration: Math.min(p.duration, end - t) });
    t += p.duration;
  }
  return { ...s, phases };
}

function renderCase(slo: ResolvedSlo, rules: Map<string, AlertingRule>, c: Case): TestGroup {
  const lastCheck = Math.max(...c.checks.map((x) => x.t));
  const step = c.scenario.evalStep ?? c.scenario.step;
  const replay = new Replay(slo, truncate(c.scenario, Math.ceil(lastCheck / step) * step));
  const inputs = syntheticInputs(slo.sli.synthetic!, replay.scenario);
  const group: TestGroup = {
    name: c.scenario.name,
    interval: formatDuration(c.scenario.step),
    input_series: inputs.map((i) => ({ series: i.series, values: renderValues(i.increments) })),
  };
  const alerts: AlertRuleTest[] = [];
  const exprs: PromqlExprTest[] = [];
  const seen = new Set<string>();
  for (const check of [...c.checks].sort((a, b) => a.t - b.t)) {
    if (check.t < 0 || check.t > replay.end) continue;
    const key = check.kind === 'alert' ? `a:${check.alert}:${check.t}` : `e:${check.expr}:${check.t}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (check.kind === 'expr') {
      exprs.push({
        expr: check.expr,
        eval_time: formatTime(check.t),
        exp_samples: check.value === undefined ? [] : [{ labels: check.labels, value: check.value }],
      });
      continue;
    }
    const rule = rules.get(check.alert);
    if (!rule) throw new SuiteArithmeticError(`no alerting rule ${check.alert} for ${slo.name}`);
    const firing = replay.firing(check.alert, check.t);
    alerts.push({
      eval_time: formatTime(check.t),
      alertname: check.alert,
      exp_alerts: firing ? [expectedAlert(slo, rule, replay.alertValue(check.alert, check.t))] : [],
    });
  }
  if (alerts.length > 0) group.alert_rule_test = alerts;
  if (exprs.length > 0) group.promql_expr_test = exprs;
  return group;
}

function expectedAlert(slo: ResolvedSlo, rule: AlertingRule, value: number) {
  const labels: Record<string, string> = { ...rule.labels };
  if (rule.alert !== SLO_ALERTS.absent) Object.assign(labels, groupLabels(slo));
  const series = groupLabels(slo);
  const annotations = Object.fromEntries(
    Object.entries(rule.annotations).map(([k, v]) => [k, expandTemplate(v, value, series, rule.alert)]),
  );
  return { exp_labels: labels, exp_annotations: annotations };
}

/** Expands the template forms our annotations use; anything else is a generator bug. */
function expandTemplate(text: string, value: number, labels: Record<string, string>, alert: string): string {
  let out = text;
  if (out.includes('{{ $value | humanize }}')) {
    if (nearRoundingEdge(humanize, value))
      throw new SuiteArithmeticError(`${alert}: ${value} sits on a rounding edge of humanize`);
    out = out.replaceAll('{{ $value | humanize }}', humanize(value));
  }
  if (out.includes('{{ $value | humanizePercentage }}')) {
    if (nearRoundingEdge(humanizePercentage, value)) {
      throw new SuiteArithmeticError(`${alert}: ${value} sits on a rounding edge of humanizePercentage`);
    }
    out = out.replaceAll('{{ $value | humanizePercentage }}', humanizePercentage(value));
  }
  out = out.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');
  if (out.includes('{{')) throw new SuiteArithmeticError(`${alert}: cannot expand the template in "${text}"`);
  return out;
}

/** promtool eval_time: 6h0m30s style, whole seconds. */
export function formatTime(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}
