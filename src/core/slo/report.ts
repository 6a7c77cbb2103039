import { timeToExhaustion } from './arithmetic.ts';
import { tierBurning } from './low-traffic.ts';
import type { ResolvedSlo } from './resolve.ts';
import { BURN_TIERS, formatDuration, humanDuration } from './windows.ts';

/**
 * The budget report of one SLO per group (model, variant ...): a pure function of the
 * error ratios per window, so it reads the same whether they came from the recording
 * rules or from raw counters. "No data" is its own status, never "ok".
 */

/** One error-ratio reading: the window label ("5m" ... "30d") and the group's labels. */
export interface WindowReading {
  labels: Record<string, string>;
  window: string;
  value: number;
}

export interface RateReading {
  labels: Record<string, string>;
  value: number;
}

export type ReportStatus = 'ok' | 'burning' | 'exhausted' | 'no-data';

export interface ReportRow {
  slo: string;
  model: string;
  /** Group labels besides the model, e.g. { variant: "v1" }. */
  group: Record<string, string>;
  objective: number;
  period: string;
  status: ReportStatus;
  /** Fraction of the period's budget left (1 untouched, 0 spent, below 0 overspent); null without data. */
  budgetRemaining: number | null;
  errorRatio: Record<string, number | null>;
  burnRate: Record<string, number | null>;
  eventRate: number | null;
  /** Tiers whose condition holds now (both windows over the factor, low-traffic guard passed). */
  burningTiers: string[];
  /** Seconds until the budget is gone at the 1h burn rate; null when it never is at that rate. */
  timeToExhaustionSeconds: number | null;
  why: string;
}

/** Windows a report shows, shortest first, ending with the period. */
export function reportWindows(slo: ResolvedSlo): string[] {
  const windows = [...new Set(BURN_TIERS.flatMap((t) => [t.short, t.long]))].sort((a, b) => a - b);
  return [...windows.map(formatDuration), formatDuration(slo.periodSec)];
}

const IGNORED = new Set(['__name__', 'slo', 'window', 'model']);

function groupKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .filter((k) => !IGNORED.has(k))
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

const finite = (v: number | undefined): number | null => (v === undefined || Number.isNaN(v) ? null : v);

/**
 * `badEvents` are the failed-event counts over the guarded tiers' long windows
 * (slo:bad_events:increase); without them a burn under the low-traffic guard reads as held,
 * because the outage escape cannot be judged.
 */
export function buildReport(
  slo: ResolvedSlo,
  ratios: WindowReading[],
  eventRates: RateReading[],
  badEvents: WindowReading[] = [],
): ReportRow[] {
  const windows = reportWindows(slo);
  const period = formatDuration(slo.periodSec);
  const groups = new Map<string, Record<string, string>>();
  for (const r of [...ratios, ...eventRates]) {
    const key = groupKey(r.labels);
    if (!groups.has(key)) {
      groups.set(key, Object.fromEntries(Object.entries(r.labels).filter(([k]) => !IGNORED.has(k))));
    }
  }
  if (groups.size === 0) groups.set(groupKey({}), {});
  return [...groups.entries()].map(([key, group]) => {
    const errorRatio: Record<string, number | null> = {};
    const burnRate: Record<string, number | null> = {};
    for (const w of windows) {
      const reading = ratios.find((r) => r.window === w && groupKey(r.labels) === key);
      errorRatio[w] = finite(reading?.value);
      burnRate[w] = errorRatio[w] === null ? null : (errorRatio[w] as number) / slo.budget;
    }
    const eventRate = finite(eventRates.find((r) => groupKey(r.labels) === key)?.value);
    const periodRatio = errorRatio[period] ?? null;
    const budgetRemaining = periodRatio === null ? null : 1 - periodRatio / slo.budget;
    const value = (v: number | null | undefined) => (v === null ? undefined : v);
    const burningTiers = BURN_TIERS.filter((tier) => {
      const long = formatDuration(tier.long);
      const short = formatDuration(tier.short);
      return tierBurning(slo, tier, {
        longBurn: value(burnRate[long]),
        shortBurn: value(burnRate[short]),
        eventRate: value(eventRate),
        shortErrorRatio: value(errorRatio[short]),
        longBadEvents:
          finite(badEvents.find((r) => r.window === long && groupKey(r.labels) === key)?.value) ?? undefined,
      });
    }).map((t) => t.name);
    const hourly = burnRate['1h'] ?? null;
    const tte =
      budgetRemaining === null || hourly === null ? null : timeToExhaustion(budgetRemaining, hourly, slo.periodSec);
    const status: ReportStatus =
      budgetRemaining === null
        ? 'no-data'
        : budgetRemaining <= 0
          ? 'exhausted'
          : burningTiers.length > 0
            ? 'burning'
            : 'ok';
    return {
      slo: slo.name,
      model: slo.model,
      group,
      objective: slo.objective,
      period: slo.period,
      status,
      budgetRemaining,
      errorRatio,
      burnRate,
      eventRate,
      burningTiers,
      timeToExhaustionSeconds: tte === null || !Number.isFinite(tte) ? null : tte,
      why: explain(slo, status, budgetRemaining, periodRatio, hourly, tte, burningTiers),
    };
  });
}

const pct = (x: number) => `${Number((x * 100).toPrecision(4))}%`;

function explain(
  slo: ResolvedSlo,
  status: ReportStatus,
  remaining: number | null,
  periodRatio: number | null,
  hourly: number | null,
  tte: number | null,
  tiers: string[],
): string {
  if (status === 'no-data' || remaining === null || periodRatio === null) {
    return `no data: no ${slo.period} error ratio for ${slo.name} (no traffic in the period, or Prometheus does not load alerts/slo-${slo.name}.rules.yml)`;
  }
  const base = `${pct(remaining)} of the budget left: error ratio ${pct(periodRatio)} over ${slo.period} against a budget of ${pct(slo.budget)}`;
  const rate =
    hourly === null
      ? 'no 1h burn rate (no recent traffic)'
      : `burning ${Number(hourly.toPrecision(3))}x over 1h${tte !== null && Number.isFinite(tte) && tte > 0 ? `, gone in ${humanDuration(tte)} at that rate` : ''}`;
  const firing = tiers.length > 0 ? `; burn tiers over threshold: ${tiers.join(', ')}` : '';
  return `${base}; ${rate}${firing}`;
}
