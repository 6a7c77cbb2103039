import { guarded } from './low-traffic.ts';
import type { ResolvedSlo } from './resolve.ts';
import { BURN_TIERS, SUMMED_BASE } from './windows.ts';

/**
 * The contract of an SLO's recorded series and alert names, shared by the rule emitter
 * (src/generators/alerts/rules.ts), the replay that checks it, and `slo report`.
 */

/** The window label of a time-slice SLO's per-slice indicator (1 bad, 0 good). */
export const SLICE_WINDOW = 'slice';

/** The base window whose recorded rates make the event-weighted long windows. */
export const BASE_WINDOW = SUMMED_BASE;

export const SLO_ALERTS = {
  absent: 'SLOMetricAbsent',
  exhausted: 'ErrorBudgetExhausted',
} as const;

/** Long windows of the guarded page tiers: where the outage escape counts failed events. */
export function outageCountWindows(slo: ResolvedSlo): number[] {
  return [...new Set(BURN_TIERS.filter((t) => guarded(slo, t)).map((t) => t.long))];
}
