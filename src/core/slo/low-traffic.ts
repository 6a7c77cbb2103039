import { num } from '../promql/builder.ts';
import type { ResolvedSlo } from './resolve.ts';
import { type BurnTier, burnFactor } from './windows.ts';

/**
 * When a page tier of a ratio SLO may page: the one decision the alert rule, the replay
 * behind the promtool suites and `slo report` all make, written once.
 *
 * Low-traffic guard (SRE Workbook ch. 5, "Low-traffic services and error budget alerting";
 * pyrra#1925): at a few requests a minute one failure is a large error ratio, so a burn
 * pages only while at least `minEventRate` events/s flow over 5m.
 *
 * Its escape for outages: a total or near-total outage pages at any traffic, also one that
 * cut the traffic (clients give up, a balancer drains the pods), where the long window is
 * still full of the good traffic from before and the rate is under the guard. While the
 * guard holds (under `minEventRate`), the tier pages when, besides its short window
 * burning over the factor,
 * - at least `outageErrorRatio` of the short window's events failed (an outage, not
 *   failures sprinkled between successes), and
 * - at least `outageMinBadEvents` events failed over the long window (a count, not a rate:
 *   the lone, failing request of a quiet minute is 100% of its window but one event).
 * The long window's burn is not required on that path: after a traffic collapse it is
 * diluted by the good history for as long as that history fills it (39 min at 99.9%).
 * Above the guard nothing changes: the workbook's two windows decide, so a busy service
 * pages only once the long window has spent its share of the budget.
 */

/** What the rules record at one evaluation, per group; undefined is "no sample". */
export interface TierReadings {
  longBurn: number | undefined;
  shortBurn: number | undefined;
  /** slo:events:rate5m */
  eventRate: number | undefined;
  /** Error ratio over the tier's short window. */
  shortErrorRatio: number | undefined;
  /** Failed events over the tier's long window. */
  longBadEvents: number | undefined;
}

/** Whether the low-traffic guard applies to a tier: pages of ratio SLOs with a minimum rate. */
export function guarded(slo: ResolvedSlo, tier: BurnTier): boolean {
  return tier.severity === 'page' && slo.sli.kind === 'ratio' && slo.alerting.minEventRate > 0;
}

/** The numbers as the rule text prints them, so rule and replay compare the same doubles. */
export function guardNumbers(slo: ResolvedSlo, tier: BurnTier) {
  return {
    factor: Number(num(burnFactor(tier, slo.periodSec))),
    minEventRate: Number(num(slo.alerting.minEventRate)),
    outageErrorRatio: Number(num(slo.alerting.outageErrorRatio)),
    outageMinBadEvents: Number(num(slo.alerting.outageMinBadEvents)),
  };
}

export function tierBurning(slo: ResolvedSlo, tier: BurnTier, r: TierReadings): boolean {
  const n = guardNumbers(slo, tier);
  const over = (burn: number | undefined) => burn !== undefined && burn > n.factor;
  if (!over(r.shortBurn)) return false;
  if (!guarded(slo, tier)) return over(r.longBurn);
  if (over(r.longBurn) && r.eventRate !== undefined && r.eventRate >= n.minEventRate) return true;
  return outage(slo, tier, r);
}

/** The escape alone: the short window (nearly) all failures and enough of them over the long one. */
export function outage(slo: ResolvedSlo, tier: BurnTier, r: TierReadings): boolean {
  const n = guardNumbers(slo, tier);
  return (
    guarded(slo, tier) &&
    r.eventRate !== undefined &&
    r.eventRate < n.minEventRate &&
    r.longBurn !== undefined &&
    r.shortBurn !== undefined &&
    r.shortBurn > n.factor &&
    r.shortErrorRatio !== undefined &&
    r.shortErrorRatio >= n.outageErrorRatio &&
    r.longBadEvents !== undefined &&
    r.longBadEvents >= n.outageMinBadEvents
  );
}

/** One line for alert descriptions, runbooks and `slo lint`. */
export function guardText(slo: ResolvedSlo, tier: BurnTier, short: string, long: string): string {
  const n = guardNumbers(slo, tier);
  return `below ${n.minEventRate} events/s it pages only on an outage: at least ${Number((n.outageErrorRatio * 100).toPrecision(6))}% of the ${short} window's events failed and at least ${n.outageMinBadEvents} over ${long}`;
}
