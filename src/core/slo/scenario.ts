import { num } from '../promql/builder.ts';
import { errorBudget } from './arithmetic.ts';
import { tierBurning } from './low-traffic.ts';
import type { ResolvedSlo } from './resolve.ts';
import { BASE_WINDOW, SLO_ALERTS } from './series.ts';
import type { SyntheticSeries } from './sli.ts';
import { BURN_TIERS, type BurnTier, burnFactor, summedWindow } from './windows.ts';

/**
 * Synthetic traffic for an SLO and an exact replay of what its generated rules compute
 * on it, so the promtool suites can state, for every evaluation, which alerts fire.
 *
 * The replay follows Prometheus 2.x semantics on an aligned grid (samples and rule
 * evaluations every `step` seconds, windows whole multiples of it): a range [t-w, t]
 * includes both ends, every counter starts at 0, so rate() needs no extrapolation and is
 * (c(t) - c(max(0, t-w))) / w (promql/functions.go extrapolatedRate: the zero-point
 * clamp removes the start extrapolation, the sample at t the end one).
 */

export interface Phase {
  duration: number;
  /** Events per second offered. */
  rps: number;
  /** Share of them that are bad (failed, too slow, shed). */
  badRatio: number;
}

export type SeriesPresence = 'all' | 'no-bad' | 'no-good' | 'none';

export interface Scenario {
  name: string;
  /** Sample interval of the input series. */
  step: number;
  /** Rule evaluation interval, a multiple of `step` (default: `step`). */
  evalStep?: number;
  phases: Phase[];
  /** Which synthetic series exist at all ("a missing error series counts as zero"). */
  presence?: SeriesPresence;
}

/** One input series of a promtool test: labels and per-step increments. */
export interface SyntheticInput {
  series: string;
  role: 'good' | 'bad' | 'total';
  increments: number[];
}

/** Increments are multiples of 2^-10 so every sum is exact in float64, here and in Prometheus. */
function quantize(x: number): number {
  return Math.round(x * 1024) / 1024;
}

export function scenarioDuration(s: Scenario): number {
  return s.phases.reduce((sum, p) => sum + p.duration, 0);
}

export function syntheticInputs(synthetic: SyntheticSeries, scenario: Scenario): SyntheticInput[] {
  const presence = scenario.presence ?? 'all';
  if (presence === 'none') return [];
  const perStep: { rps: number; bad: number }[] = [];
  for (const phase of scenario.phases) {
    if (phase.duration % scenario.step !== 0)
      throw new RangeError(`phase of ${phase.duration}s is not a multiple of the ${scenario.step}s step`);
    for (let i = 0; i < phase.duration / scenario.step; i++) perStep.push({ rps: phase.rps, bad: phase.badRatio });
  }
  const inputs: SyntheticInput[] = [];
  if (presence !== 'no-good') {
    for (const g of synthetic.good) {
      inputs.push({
        series: g.series,
        role: 'good',
        increments: perStep.map((p) => quantize(p.rps * scenario.step * (1 - p.bad) * g.share)),
      });
    }
  }
  if (presence !== 'no-bad') {
    for (const b of synthetic.bad) {
      inputs.push({
        series: b.series,
        role: 'bad',
        increments: perStep.map((p) => quantize(p.rps * scenario.step * p.bad * b.share)),
      });
    }
  }
  if (synthetic.total.length > 0) {
    const good = inputs.filter((i) => i.role === 'good');
    const bad = perStep.map((p) => quantize(p.rps * scenario.step * p.bad));
    const totals = perStep.map((_, k) => good.reduce((s, g) => s + (g.increments[k] ?? 0), 0) + (bad[k] ?? 0));
    for (const series of synthetic.total) inputs.push({ series, role: 'total', increments: totals });
  }
  return inputs;
}

/** promtool's expanding notation: "0 150+150x239 36150+0x10" (each run continues the last value). */
export function renderValues(increments: number[]): string {
  const tokens = ['0'];
  let value = 0;
  let i = 0;
  while (i < increments.length) {
    const d = increments[i] as number;
    let j = i;
    while (j < increments.length && increments[j] === d) j++;
    const run = j - i;
    const first = value + d;
    tokens.push(run === 1 ? `${first}` : `${first}+${d}x${run - 1}`);
    value += d * run;
    i = j;
  }
  return tokens.join(' ');
}

interface Counter {
  cumulative: Float64Array;
}

function cumulate(increments: number[]): Counter {
  const c = new Float64Array(increments.length + 1);
  for (let k = 0; k < increments.length; k++) c[k + 1] = (c[k] as number) + (increments[k] as number);
  return { cumulative: c };
}

/**
 * What the generated rules of one SLO evaluate to on a scenario, evaluation by evaluation.
 * Undefined means "no sample" (the series or the rule output is absent); NaN is a value.
 */
export class Replay {
  readonly slo: ResolvedSlo;
  readonly scenario: Scenario;
  readonly step: number;
  /** Evaluation interval: every time the replay states is a multiple of it. */
  readonly evalStep: number;
  readonly end: number;
  private readonly good: Counter[];
  private readonly bad: Counter[];
  private readonly total: Counter[];
  private readonly cache = new Map<string, number | undefined>();

  constructor(slo: ResolvedSlo, scenario: Scenario) {
    if (!slo.sli.synthetic) throw new Error(`SLO ${slo.name}: a raw-PromQL SLI cannot be replayed`);
    this.slo = slo;
    this.scenario = scenario;
    this.step = scenario.step;
    this.evalStep = scenario.evalStep ?? scenario.step;
    if (this.evalStep % this.step !== 0)
      throw new RangeError('the evaluation interval must be a multiple of the sample interval');
    this.end = Math.floor(scenarioDuration(scenario) / this.evalStep) * this.evalStep;
    const inputs = syntheticInputs(slo.sli.synthetic, scenario);
    const pick = (role: SyntheticInput['role']) =>
      inputs.filter((i) => i.role === role).map((i) => cumulate(i.increments));
    this.good = pick('good');
    this.bad = pick('bad');
    // Availability and throughput count every request in one family: total = good + bad series.
    this.total = slo.sli.synthetic.total.length > 0 ? pick('total').slice(0, 1) : [...this.good, ...this.bad];
  }

  /** Sum of per-series rates over [t - w, t]; undefined with fewer than two samples or no series. */
  private rate(counters: Counter[], t: number, w: number): number | undefined {
    if (counters.length === 0) return undefined;
    const k = t / this.step;
    if (k < 1 || k > this.end / this.step) return undefined;
    const start = Math.max(0, k - w / this.step);
    let sum = 0;
    for (const c of counters) sum += ((c.cumulative[k] as number) - (c.cumulative[start] as number)) / w;
    return sum;
  }

  eventRate(t: number): number | undefined {
    if (this.slo.sli.kind === 'timeslice' && !this.slo.sli.throughput) return undefined;
    return this.rate(this.total, t, BASE_WINDOW);
  }

  private badRate(t: number, w: number): number | undefined {
    const total = this.rate(this.total, t, w);
    if (total === undefined) return undefined;
    if (this.slo.sli.kind === 'ratio' && this.slo.sli.good !== undefined)
      return total - (this.rate(this.good, t, w) ?? 0);
    return this.rate(this.bad, t, w) ?? 0;
  }

  /** Time-slice indicator at an evaluation: 1 when enough was offered and too little served. */
  sliceBad(t: number): number | undefined {
    const sli = this.slo.sli;
    if (sli.kind !== 'timeslice' || !sli.throughput) return undefined;
    const total = this.rate(this.total, t, sli.sliceSec);
    if (total === undefined) return undefined;
    const good = this.rate(this.good, t, sli.sliceSec) ?? 0;
    return total >= sli.throughput.minRps && good < sli.throughput.minRps ? 1 : 0;
  }

  /** slo:sli_error:ratio_rate{window=w} at t (w may be the period). */
  errorRatio(t: number, w: number): number | undefined {
    const key = `${t}:${w}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const value = this.computeErrorRatio(t, w);
    this.cache.set(key, value);
    return value;
  }

  /** Per evaluation index: the recorded series a window reads (5m rates, slice indicator) and running sums. */
  private prefix:
    | {
        bad: Float64Array;
        total: Float64Array;
        count: Float64Array;
        slice: Float64Array;
        badAt: Float64Array;
        totalAt: Float64Array;
      }
    | undefined;

  private sums() {
    if (this.prefix) return this.prefix;
    const n = this.end / this.evalStep;
    const bad = new Float64Array(n + 2);
    const total = new Float64Array(n + 2);
    const count = new Float64Array(n + 2);
    const slice = new Float64Array(n + 2);
    const badAt = new Float64Array(n + 1);
    const totalAt = new Float64Array(n + 1);
    for (let k = 0; k <= n; k++) {
      const t = k * this.evalStep;
      let b = 0;
      let tr: number | undefined;
      let sb: number | undefined;
      if (this.slo.sli.kind === 'timeslice') sb = this.sliceBad(t);
      else {
        tr = this.rate(this.total, t, BASE_WINDOW);
        if (tr !== undefined) b = this.badRate(t, BASE_WINDOW) ?? 0;
      }
      const defined = this.slo.sli.kind === 'timeslice' ? sb !== undefined : tr !== undefined;
      badAt[k] = b;
      totalAt[k] = tr ?? 0;
      bad[k + 1] = (bad[k] as number) + b;
      total[k + 1] = (total[k] as number) + (tr ?? 0);
      count[k + 1] = (count[k] as number) + (defined ? 1 : 0);
      slice[k + 1] = (slice[k] as number) + (sb ?? 0);
    }
    this.prefix = { bad, total, count, slice, badAt, totalAt };
    return this.prefix;
  }

  private computeErrorRatio(t: number, w: number): number | undefined {
    if (this.slo.sli.kind === 'timeslice' || summedWindow(w)) {
      // avg_over_time of the slice indicator, or sum_over_time of the recorded 5m rates,
      // over the samples in [t - w, t]. Windows starting before 0 sum from the first sample,
      // in time order, exactly as Prometheus adds them.
      const p = this.sums();
      const hi = t / this.evalStep + 1;
      const lo = Math.max(0, Math.ceil((t - w) / this.evalStep));
      const n = (p.count[hi] as number) - (p.count[lo] as number);
      if (n === 0) return undefined;
      if (this.slo.sli.kind === 'timeslice') return ((p.slice[hi] as number) - (p.slice[lo] as number)) / n;
      if (lo === 0) return (p.bad[hi] as number) / (p.total[hi] as number);
      let bad = 0;
      let total = 0;
      for (let k = lo; k < hi; k++) {
        bad += p.badAt[k] as number;
        total += p.totalAt[k] as number;
      }
      return bad / total;
    }
    const total = this.rate(this.total, t, w);
    if (total === undefined) return undefined;
    return (this.badRate(t, w) as number) / total;
  }

  burn(t: number, w: number): number | undefined {
    const ratio = this.errorRatio(t, w);
    return ratio === undefined ? undefined : ratio / Number(num(this.slo.budget));
  }

  budgetRemaining(t: number): number | undefined {
    const ratio = this.errorRatio(t, this.slo.periodSec);
    return ratio === undefined ? undefined : 1 - ratio / Number(num(this.slo.budget));
  }

  /** Failed events over [t - w, t]: slo:bad_events:increase, recorded as rate × window. */
  badEvents(t: number, w: number): number | undefined {
    const rate = this.badRate(t, w);
    return rate === undefined ? undefined : rate * w;
  }

  tierActive(tier: BurnTier, t: number): boolean {
    return tierBurning(this.slo, tier, {
      longBurn: this.burn(t, tier.long),
      shortBurn: this.burn(t, tier.short),
      eventRate: this.eventRate(t),
      shortErrorRatio: this.errorRatio(t, tier.short),
      longBadEvents: this.badEvents(t, tier.long),
    });
  }

  private conditionAt(alert: string, t: number): boolean {
    const tier = BURN_TIERS.find((x) => x.alert === alert);
    if (tier) return this.tierActive(tier, t);
    if (alert === SLO_ALERTS.absent) return (this.scenario.presence ?? 'all') === 'none';
    if (alert === SLO_ALERTS.exhausted) {
      const r = this.budgetRemaining(t);
      return r !== undefined && r <= 0;
    }
    throw new Error(`unknown SLO alert ${alert}`);
  }

  private forSeconds(alert: string): number {
    if (alert === SLO_ALERTS.absent) return this.slo.alerting.absentForSec;
    if (alert === SLO_ALERTS.exhausted) return this.slo.alerting.exhaustedForSec;
    return 0;
  }

  /** Prometheus' `for`: firing once the condition has held at every evaluation for that long. */
  firing(alert: string, t: number): boolean {
    if (!this.conditionAt(alert, t)) return false;
    const hold = this.forSeconds(alert);
    if (hold === 0) return true;
    let since = t;
    const e = this.evalStep;
    while (since - e >= 0 && since - e >= t - hold && this.conditionAt(alert, since - e)) since -= e;
    return t - since >= hold;
  }

  /** The value an alert carries at t (what `$value` expands to). */
  alertValue(alert: string, t: number): number {
    const tier = BURN_TIERS.find((x) => x.alert === alert);
    if (tier) return this.burn(t, tier.long) as number;
    if (alert === SLO_ALERTS.exhausted) return this.budgetRemaining(t) as number;
    return 1;
  }

  /** First evaluation in [from, to] at which the alert fires, or undefined. */
  firstFiring(alert: string, from: number, to = this.end): number | undefined {
    for (let t = this.onGrid(from); t <= to; t += this.evalStep) if (this.firing(alert, t)) return t;
    return undefined;
  }

  /** First evaluation in [from, to] at which the alert is not firing, or undefined. */
  firstSilent(alert: string, from: number, to = this.end): number | undefined {
    for (let t = this.onGrid(from); t <= to; t += this.evalStep) if (!this.firing(alert, t)) return t;
    return undefined;
  }

  /** The first evaluation at or after t. */
  onGrid(t: number): number {
    return Math.ceil(t / this.evalStep) * this.evalStep;
  }
}

/** Error ratio just below (factor < 1) or above a tier's threshold. */
export function ratioNearThreshold(slo: ResolvedSlo, tier: BurnTier, factor: number): number {
  return burnFactor(tier, slo.periodSec) * errorBudget(slo.objective) * factor;
}

/** The bad share one step of a phase really carries once its increments are quantised. */
export function effectiveBadRatio(slo: ResolvedSlo, phase: Phase, step: number): number {
  const synthetic = slo.sli.synthetic;
  if (!synthetic) return phase.badRatio;
  const inputs = syntheticInputs(synthetic, { name: 'probe', step, phases: [{ ...phase, duration: step }] });
  const sum = (role: SyntheticInput['role']) =>
    inputs.filter((i) => i.role === role).reduce((s, i) => s + (i.increments[0] ?? 0), 0);
  const good = sum('good');
  const bad = sum('bad');
  const total = synthetic.total.length > 0 ? (inputs.find((i) => i.role === 'total')?.increments[0] ?? 0) : good + bad;
  return total === 0 ? 0 : (total - good) / total;
}
