/**
 * Drift verdicts. Each one is a pure function of numbers and explains itself: the
 * statistic, its threshold, n, the interval where there is one, and why. "no_data" is its
 * own outcome (too few rows, no counters, bins that do not match the profile), never a pass.
 */
export type Outcome = 'drift' | 'ok' | 'no_data';

/** Statistics a verdict can rest on: effect sizes over the profile's bins, the same on every data path. */
export type NumericVerdictStatistic = 'psi' | 'jensenshannon' | 'wasserstein' | 'hellinger';
export type CategoricalVerdictStatistic = 'psi' | 'jensenshannon' | 'hellinger' | 'category_share';
export type VerdictStatistic = NumericVerdictStatistic | CategoricalVerdictStatistic;

export const NUMERIC_VERDICT_STATISTICS: readonly NumericVerdictStatistic[] = [
  'psi',
  'jensenshannon',
  'wasserstein',
  'hellinger',
];
export const CATEGORICAL_VERDICT_STATISTICS: readonly CategoricalVerdictStatistic[] = [
  'psi',
  'jensenshannon',
  'hellinger',
  'category_share',
];

export interface StatisticValue {
  statistic: VerdictStatistic;
  value: number;
  threshold: number;
  exceeded: boolean;
  /** category_share: the category with the largest relative change and its anytime-valid interval. */
  category?: string;
  interval?: [number, number];
}

/** Informational tests (p-values say "different", not "how much"; they never decide). */
export interface FeatureTests {
  chisquare?: { statistic: number; pValue: number; degreesOfFreedom: number };
  /** Two-sample KS on the reference sample vs the window's values (stream path only). */
  ks?: { statistic: number; pValue: number; method: 'exact' | 'asymp'; n1: number; n2: number };
  /** Exact normed Wasserstein on the reference sample vs the window's values (stream path only). */
  wasserstein?: number;
}

export interface FeatureVerdict {
  feature: string;
  type: 'numeric' | 'categorical';
  outcome: Outcome;
  /** Rows counted for this feature in the window (missing values included). */
  n: number;
  minSamples: number;
  statistics: StatisticValue[];
  /** Shares of the window outside the reference: missing, out of range (numeric), unseen (categorical). */
  shares: { missing: number; outOfRange?: number; unseen?: number };
  tests: FeatureTests;
  reason: string;
}

export interface PredictionRate {
  variant: string;
  model: string | undefined;
  n: number;
  baseline: number | undefined;
  rate: number;
  relativeChange: number;
  interval: [number, number] | undefined;
  outcome: Outcome;
  reason: string;
}

export interface PredictionVerdict {
  label: string;
  outcome: Outcome;
  n: number;
  /** Baseline rate of the label for this window's variant mix. */
  baseline: number | undefined;
  rate: number;
  relativeChange: number;
  /** Anytime-valid (1 - alpha) interval of the relative change. */
  interval: [number, number] | undefined;
  tolerance: number;
  alpha: number;
  variants: PredictionRate[];
  reason: string;
}

export interface DriftReport {
  model: string;
  outcome: Outcome;
  /** Largest per-feature n, or the prediction count when no feature was counted. */
  n: number;
  features: FeatureVerdict[];
  predictions: PredictionVerdict;
  /** Features in the window that the profile does not know (reported, not judged). */
  unknownFeatures: string[];
  reason: string;
}

/** Worst-first combination: any drift is drift; all no_data is no_data; otherwise ok. */
export function combineOutcomes(outcomes: readonly Outcome[]): Outcome {
  if (outcomes.includes('drift')) return 'drift';
  if (outcomes.length === 0 || outcomes.every((o) => o === 'no_data')) return 'no_data';
  return 'ok';
}

/**
 * The rule for interval-based statistics (prediction rate, category share), on the
 * relative change r with an anytime-valid interval [lo, hi] and a tolerance t:
 * drift when the change is real (the interval excludes 0) and not shown to be within
 * tolerance (max(|lo|, |hi|) >= t). A real but small change at huge n (interval inside
 * (-t, t)) is not drift, which is the point (evidently#50); a 10% shift is caught once n
 * is large enough for the interval to exclude 0.
 */
export function intervalExceeds(interval: readonly [number, number], tolerance: number): boolean {
  const [lo, hi] = interval;
  const real = lo > 0 || hi < 0;
  return real && Math.max(Math.abs(lo), Math.abs(hi)) >= tolerance;
}

export function formatPercent(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 0.001) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}
