import { GATEWAY, GOOD_SERVED_BY, SERVED_BY, type ServedBy } from '../metrics/names.ts';
import { anyOf, type Matcher, num, selector, sumBy } from '../promql/builder.ts';
import { parseDuration } from '../spec/kinds/common.ts';
import type { SloSpec } from '../spec/kinds/slo.ts';
import { formatDuration } from './windows.ts';

/**
 * An SLI compiled to PromQL. Two shapes cover every SLI we accept:
 * - ratio: bad events / total events over a window, from counters (availability, latency,
 *   OpenSLO ratio metrics). Either `good` or `bad` is given, never both.
 * - timeslice: a per-slice 0/1 "this slice was bad" indicator (throughput, OpenSLO
 *   threshold metrics); the error ratio over a window is the mean of the indicator.
 */
export type CompiledSli = RatioSli | TimesliceSli;

interface SliBase {
  /** One line for humans: runbook, report, alert descriptions. */
  describe: string;
  /** The SLI's raw series; absent() of it is the absent-metric alert. */
  presence: string;
  /** How to synthesise raw series for generated tests; undefined for raw-PromQL SLIs. */
  synthetic?: SyntheticSeries;
}

export interface RatioSli extends SliBase {
  kind: 'ratio';
  good?: string;
  bad?: string;
  total: string;
}

export interface TimesliceSli extends SliBase {
  kind: 'timeslice';
  sliceSec: number;
  /** PromQL of the indicator (1 bad, 0 good) per group. */
  sliceBad(groupBy: readonly string[]): string;
  /** For throughput: the counters and the bound, so tests can compute the indicator. */
  throughput?: { good: string; total: string; minRps: number };
  /** For OpenSLO export. */
  threshold: { query: string; op: 'gt' | 'gte' | 'lt' | 'lte'; value: number };
}

/** Raw series that realise good/bad events for an SLI (generated promtool suites). */
export interface SyntheticSeries {
  /** Series carrying good events, each with its share of the good events. */
  good: { series: string; share: number }[];
  /** Series carrying bad events. */
  bad: { series: string; share: number }[];
  /** Series that count every event (histogram _count / +Inf bucket): receive good + bad. */
  total: string[];
}

export function compileSli(spec: SloSpec): CompiledSli {
  const model = { label: 'model', op: '=' as const, value: spec.model };
  const { sli } = spec;
  if (sli.availability) {
    const good = sli.availability.goodServedBy ?? [...GOOD_SERVED_BY];
    const bad = SERVED_BY.filter((s) => !good.includes(s));
    const total = selector(GATEWAY.requests, [model]);
    return {
      kind: 'ratio',
      bad: selector(GATEWAY.requests, [model, { label: 'served_by', op: '!~', value: anyOf(good) }]),
      total,
      presence: total,
      describe: `requests answered by ${good.join(', ')} / all requests of model ${spec.model}`,
      synthetic: {
        good: splitShares(good.slice(0, 3)).map(([s, share]) => ({ series: requestSeries(spec.model, s), share })),
        bad: bad.length > 0 ? [{ series: requestSeries(spec.model, prefer(bad, 'error')), share: 1 }] : [],
        total: [],
      },
    };
  }
  if (sli.latency) {
    const seconds = parseDuration(sli.latency.threshold);
    const matchers: Matcher[] = [model];
    if (sli.latency.servedBy) matchers.push({ label: 'served_by', op: '=~', value: anyOf(sli.latency.servedBy) });
    const total = selector(`${GATEWAY.duration}_count`, matchers);
    const tier = sli.latency.servedBy?.[0] ?? 'primary';
    const labels = `model="${spec.model}",variant="v1",served_by="${tier}"`;
    return {
      kind: 'ratio',
      good: selector(`${GATEWAY.duration}_bucket`, [...matchers, { label: 'le', op: '=', value: String(seconds) }]),
      total,
      presence: total,
      describe: `requests of model ${spec.model} answered within ${sli.latency.threshold} (histogram bucket le="${seconds}") / all requests${sli.latency.servedBy ? ` served by ${sli.latency.servedBy.join(', ')}` : ''}`,
      synthetic: {
        good: [{ series: `${GATEWAY.duration}_bucket{${labels},le="${seconds}"}`, share: 1 }],
        bad: [],
        total: [`${GATEWAY.duration}_count{${labels}}`, `${GATEWAY.duration}_bucket{${labels},le="+Inf"}`],
      },
    };
  }
  if (sli.throughput) {
    const { minRps } = sli.throughput;
    const sliceText = sli.throughput.slice;
    const sliceSec = parseDuration(sliceText);
    const goodTiers = sli.throughput.goodServedBy ?? [...GOOD_SERVED_BY];
    const total = selector(GATEWAY.requests, [model]);
    const good = selector(GATEWAY.requests, [model, { label: 'served_by', op: '=~', value: anyOf(goodTiers) }]);
    const sliceBad = (groupBy: readonly string[]) => {
      const totalRate = sumBy(groupBy, `rate(${total}[${sliceText}])`);
      const goodRate = `(${sumBy(groupBy, `rate(${good}[${sliceText}])`)} or 0 * ${totalRate})`;
      return `(${totalRate} >= bool ${num(minRps)}) * (${goodRate} < bool ${num(minRps)})`;
    };
    const badTiers = SERVED_BY.filter((s) => !goodTiers.includes(s));
    return {
      kind: 'timeslice',
      sliceSec,
      sliceBad,
      throughput: { good, total, minRps },
      threshold: { query: `1 - (${sliceBad([])})`, op: 'gte', value: 1 },
      presence: total,
      describe: `${sliceText} slices in which model ${spec.model} served at least ${minRps} good answers per second whenever at least that many were offered`,
      synthetic: {
        good: [{ series: requestSeries(spec.model, goodTiers[0] as ServedBy), share: 1 }],
        bad: badTiers.length > 0 ? [{ series: requestSeries(spec.model, prefer(badTiers, 'shed')), share: 1 }] : [],
        total: [],
      },
    };
  }
  if (sli.events) {
    const { good, bad, total } = sli.events;
    return {
      kind: 'ratio',
      ...(good ? { good } : {}),
      ...(bad ? { bad } : {}),
      total,
      presence: total,
      describe: good ? `${good} / ${total}` : `1 - ${bad} / ${total}`,
    };
  }
  if (sli.timeslice) {
    const { query, op, value, slice } = sli.timeslice;
    const negated = { gt: '<=', gte: '<', lt: '>=', lte: '>' }[op];
    return {
      kind: 'timeslice',
      sliceSec: parseDuration(slice),
      sliceBad: (groupBy) =>
        `max${groupBy.length > 0 ? ` by (${groupBy.join(', ')})` : ''} ((${query}) ${negated} bool ${num(value)})`,
      threshold: { query, op, value },
      presence: query,
      describe: `${slice} slices in which ${query} ${{ gt: '>', gte: '>=', lt: '<', lte: '<=' }[op]} ${value}`,
    };
  }
  throw new Error('compileSli: the SLI names no type (the schema should have rejected it)');
}

/** The tier synthetic bad events use: the natural one (error, shed) when it counts as bad. */
function prefer(tiers: readonly ServedBy[], natural: ServedBy): ServedBy {
  return tiers.includes(natural) ? natural : (tiers[tiers.length - 1] as ServedBy);
}

function requestSeries(model: string, servedBy: ServedBy): string {
  const code = servedBy === 'shed' ? '429' : servedBy === 'error' ? '500' : '200';
  return `${GATEWAY.requests}{model="${model}",variant="v1",served_by="${servedBy}",code="${code}"}`;
}

/** 70/20/10 (or fewer) so every good tier in the synthetic data carries events. */
function splitShares<T>(items: T[]): [T, number][] {
  const shares = items.length === 1 ? [1] : items.length === 2 ? [0.75, 0.25] : [0.7, 0.2, 0.1];
  return items.map((item, i) => [item, shares[i] as number]);
}

/** Ratio error over a window: bad / total, a missing bad (or good) series counting as zero. */
export function errorRatioExpr(sli: RatioSli, groupBy: readonly string[], window: number): string {
  const w = formatDuration(window);
  const total = sumBy(groupBy, `rate(${sli.total}[${w}])`);
  return `(${badRateExpr(sli, groupBy, window)})\n/\n${total}`;
}

/** Bad events per second over a window; `or 0 * total` turns an absent series into zero errors. */
export function badRateExpr(sli: RatioSli, groupBy: readonly string[], window: number): string {
  const w = formatDuration(window);
  const total = sumBy(groupBy, `rate(${sli.total}[${w}])`);
  if (sli.bad !== undefined) return `${sumBy(groupBy, `rate(${sli.bad}[${w}])`)} or 0 * ${total}`;
  return `${total} - (${sumBy(groupBy, `rate(${sli.good}[${w}])`)} or 0 * ${total})`;
}

export function totalRateExpr(sli: RatioSli, groupBy: readonly string[], window: number): string {
  return sumBy(groupBy, `rate(${sli.total}[${formatDuration(window)}])`);
}
