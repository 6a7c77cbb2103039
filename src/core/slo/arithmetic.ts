import { BURN_TIERS, type BurnTier, burnFactor, roundSignificant, SUMMED_BASE, summedWindow } from './windows.ts';

/**
 * Error-budget arithmetic (SRE Workbook ch. 5, "Alerting on SLOs"), continuous form: a
 * step change of the error ratio from 0 to E at t = 0, steady traffic, and a history at
 * least as long as every window. The generated promtool suites check the rules against
 * the same numbers on Prometheus' sample grid (see scenario.ts).
 */

/** The error budget as a ratio of events (or of time, for time-slice SLOs): 1 - objective. */
export function errorBudget(objective: number): number {
  return roundSignificant(1 - objective);
}

/** The error ratio above which a tier fires: factor × budget (0.0144 for 99.9% on the fast tier). */
export function tierThreshold(tier: BurnTier, objective: number, periodSec: number): number {
  return roundSignificant(burnFactor(tier, periodSec) * errorBudget(objective));
}

/**
 * A tier can only fire when its threshold is an error ratio below 1; at 30d the fast page
 * needs 14.4 × budget < 1, so objectives below 1 - 1/14.4 ≈ 93.06% can never page.
 */
export function tiersThatCannotFire(objective: number, periodSec: number): BurnTier[] {
  return BURN_TIERS.filter((tier) => tierThreshold(tier, objective, periodSec) >= 1);
}

/** The lowest objective for which every tier can fire (0.930556 at 30d, 0.925595 at 28d). */
export function minimumObjective(periodSec: number): number {
  const largest = Math.max(...BURN_TIERS.map((t) => burnFactor(t, periodSec)));
  return 1 - 1 / largest;
}

/**
 * Time from the start of a sustained error ratio E until a window's error ratio passes
 * `threshold`. A raw window ([w] over the counters) reaches it after threshold × w / E.
 * A summed window (sum_over_time of the recorded 5m rates) sees each error through the
 * 5m rate, which ramps up over 5m: it lags by half the base window once past the ramp,
 * so it needs threshold × w / E + 150 s (or sqrt(2 × 300 × x) while still on the ramp).
 */
export function windowCrossing(windowSec: number, threshold: number, errorRatio: number): number {
  const x = (threshold * windowSec) / errorRatio;
  if (!summedWindow(windowSec)) return x;
  return x >= SUMMED_BASE / 2 ? x + SUMMED_BASE / 2 : Math.sqrt(2 * SUMMED_BASE * x);
}

/**
 * Time from the start of a sustained error ratio E until the tier fires: both windows must
 * pass the threshold, and the long one governs. 99.9%, fast tier, total outage:
 * 0.0144 × 3600 s = 51.84 s. Infinity when E never exceeds the threshold.
 */
export function detectionTime(tier: BurnTier, objective: number, periodSec: number, errorRatio = 1): number {
  const threshold = tierThreshold(tier, objective, periodSec);
  if (!(errorRatio > threshold)) return Number.POSITIVE_INFINITY;
  return Math.max(windowCrossing(tier.long, threshold, errorRatio), windowCrossing(tier.short, threshold, errorRatio));
}

/**
 * Time from the end of a burn until the tier clears. The alert needs both windows, so it
 * clears as soon as either falls to the threshold. A window w holds E × min(D, w) / w while
 * the whole burn is inside it; once the burn starts to leave, it falls to the threshold at
 * w × (1 - threshold / E) after the end. The short window clears first: after a long
 * outage the page resets "within about the short window" (5m × (1 - 0.0144) = 4.9 min).
 */
export function resetTime(
  tier: BurnTier,
  objective: number,
  periodSec: number,
  errorRatio = 1,
  burnDuration = Number.POSITIVE_INFINITY,
): number {
  const threshold = tierThreshold(tier, objective, periodSec);
  if (!(errorRatio > threshold)) return 0;
  const clearAfter = (w: number) =>
    (errorRatio * Math.min(burnDuration, w)) / w > threshold
      ? w * (1 - threshold / errorRatio) + (summedWindow(w) ? SUMMED_BASE / 2 : 0)
      : 0;
  return Math.min(clearAfter(tier.short), clearAfter(tier.long));
}

/** Seconds of a total outage the whole period's budget allows: 0.0005 × 30 d = 21.6 min. */
export function budgetAsOutage(objective: number, periodSec: number): number {
  return errorBudget(objective) * periodSec;
}

/**
 * Time until the budget is gone at a constant burn rate: the remaining fraction of the
 * budget × period / burn. A burn of 1 spends exactly one budget per period.
 * Infinity when nothing burns; 0 when nothing remains.
 */
export function timeToExhaustion(remaining: number, burnRate: number, periodSec: number): number {
  if (!(remaining > 0)) return 0;
  if (!(burnRate > 0)) return Number.POSITIVE_INFINITY;
  return (remaining * periodSec) / burnRate;
}

/**
 * For a time-slice SLO whose served throughput collapses from `offered` to 0: a slice
 * turns bad once the rate over the last slice falls below `minRps`, i.e. after
 * slice × (1 - minRps / offered).
 */
export function sliceLag(sliceSec: number, offeredRps: number, minRps: number): number {
  if (offeredRps < minRps) return Number.POSITIVE_INFINITY;
  return sliceSec * (1 - minRps / offeredRps);
}

/**
 * Time from the start of a total outage until the low-traffic guard's outage escape
 * (low-traffic.ts) pages a tier, when `historyRps` good events/s before it turn into
 * `outageRps` failing ones. Three things must hold, the last to come governs:
 * - the short window is at least `ratio` failures: r·x / (r·x + h·(s - x)) >= R, so
 *   x >= R·h·s / (r·(1 - R) + R·h): 0.9 × 5m = 4.5 min at steady traffic, 5 min when it
 *   fell from 10 to 0.08 events/s;
 * - at least `minBad` failures over the long window: x >= minBad / r;
 * - the 5m event rate under the guard's `minRate` (the escape is for quiet services):
 *   x >= 5m × (h - minRate) / (h - r) once the busy history leaves the window;
 * - the short window burns over the factor (implied whenever R is above the threshold).
 * Infinity when nothing fails.
 */
export function outageEscapeTime(
  tier: BurnTier,
  objective: number,
  periodSec: number,
  outage: { historyRps: number; outageRps: number; ratio: number; minBad: number; minRate: number },
): number {
  const { historyRps: h, outageRps: r, ratio: R, minBad, minRate } = outage;
  if (!(r > 0) || r >= minRate) return Number.POSITIVE_INFINITY;
  const quiet = h > minRate ? (SUMMED_BASE * (h - minRate)) / (h - r) : 0;
  const s = tier.short;
  const atRatio = (q: number) => Math.min(s, (q * h * s) / (r * (1 - q) + q * h));
  const threshold = tierThreshold(tier, objective, periodSec);
  return Math.max(atRatio(R), atRatio(Math.min(threshold, 1)), minBad / r, quiet);
}
