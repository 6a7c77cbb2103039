/**
 * The multiwindow, multi-burn-rate alert table of the SRE Workbook, chapter 5 "Alerting on
 * SLOs", table 5-8 ("Recommended parameters for an SLO-based alerting configuration"), as
 * data. Each tier says: page (or ticket) when `budgetSpent` of the whole period's error
 * budget is consumed within `long`, confirmed by the `short` window (1/12 of the long one)
 * so the alert resets soon after the burn stops.
 *
 * The workbook states the burn factors for a 30-day period (14.4, 6, 1). The factor is
 * derived, not fixed: factor = budgetSpent × period / long, so a 28-day SLO gets 13.44,
 * 5.6, 2.8 and 0.933. The 1d/2h ticket (10% in a day) is the extra tier Sloth ships; the
 * workbook's 3d/6h ticket is kept as the slowest.
 */

export type Severity = 'page' | 'ticket';

export interface BurnTier {
  /** Label value of `burn_tier`; names the speed of the burn, not the windows. */
  name: 'fast' | 'medium' | 'slow' | 'gradual';
  alert: string;
  severity: Severity;
  /** Window lengths in seconds. */
  long: number;
  short: number;
  /** Fraction of the period's error budget this tier allows to be spent within `long`. */
  budgetSpent: number;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;

export const BURN_TIERS: readonly BurnTier[] = [
  { name: 'fast', alert: 'SLOBurnRateFast', severity: 'page', long: HOUR, short: 5 * MINUTE, budgetSpent: 0.02 },
  {
    name: 'medium',
    alert: 'SLOBurnRateMedium',
    severity: 'page',
    long: 6 * HOUR,
    short: 30 * MINUTE,
    budgetSpent: 0.05,
  },
  { name: 'slow', alert: 'SLOBurnRateSlow', severity: 'ticket', long: DAY, short: 2 * HOUR, budgetSpent: 0.1 },
  {
    name: 'gradual',
    alert: 'SLOBurnRateGradual',
    severity: 'ticket',
    long: 3 * DAY,
    short: 6 * HOUR,
    budgetSpent: 0.1,
  },
];

/**
 * Windows of a day or more are computed from the recorded 5m rates (sum of bad-event rates
 * over sum of event rates): event-weighted like the raw counters, but reading one recorded
 * series instead of days of every raw series (Sloth computes only its 30d window this way,
 * and by averaging ratios: sloth#332). Shorter windows read the counters directly.
 */
export const SUMMED_FROM = DAY;
export const SUMMED_BASE = 5 * MINUTE;

export function summedWindow(windowSec: number): boolean {
  return windowSec >= SUMMED_FROM;
}

/** The SLO periods we support (rolling windows); the issue and the workbook use 28d and 30d. */
export const PERIODS = ['28d', '30d'] as const;
export type Period = (typeof PERIODS)[number];

export function periodSeconds(period: Period): number {
  return period === '28d' ? 28 * DAY : 30 * DAY;
}

/** Burn-rate factor of a tier for a period: 14.4 for the fast tier at 30d, 13.44 at 28d. */
export function burnFactor(tier: BurnTier, periodSec: number): number {
  return roundSignificant((tier.budgetSpent * periodSec) / tier.long);
}

/** Every window the rules record, shortest first (the window is a label, not a rule-name suffix). */
export function alertWindows(): number[] {
  return [...new Set(BURN_TIERS.flatMap((t) => [t.short, t.long]))].sort((a, b) => a - b);
}

/**
 * Rounds away float noise (0.02 × 2592000 / 3600 = 14.399999999999999) so rule text and
 * arithmetic agree on the same decimal the workbook prints.
 */
export function roundSignificant(value: number, digits = 12): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** 300 -> "5m", 3600 -> "1h", 86400 -> "1d": Prometheus duration text for whole units. */
export function formatDuration(seconds: number): string {
  const units: [string, number][] = [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', 1],
  ];
  for (const [unit, size] of units) {
    if (seconds >= size && Number.isInteger(seconds / size)) return `${seconds / size}${unit}`;
  }
  if (seconds > 0 && Number.isInteger(seconds * 1000)) return `${seconds * 1000}ms`;
  throw new RangeError(`${seconds} s is not a whole number of milliseconds`);
}

/** Human text for durations in reports and runbooks: 51.84 -> "51.8 s", 5400 -> "1.5 h". */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never';
  const abs = Math.abs(seconds);
  if (abs < 120) return `${trim(seconds, 1)} s`;
  if (abs < 2 * HOUR) return `${trim(seconds / MINUTE, 1)} min`;
  if (abs < 2 * DAY) return `${trim(seconds / HOUR, 1)} h`;
  return `${trim(seconds / DAY, 1)} d`;
}

function trim(value: number, decimals: number): string {
  return Number(value.toFixed(decimals)).toString();
}
