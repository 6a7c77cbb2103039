import type { CategoricalFeatureProfile, FeatureProfile, NumericFeatureProfile } from './profile.ts';

/**
 * Bin labels: the `bin` label of `inference_feature_bin_total{model,feature,bin}`.
 *
 * CONTRACT (the gateway counts with these; drift reads them back from Prometheus):
 *
 *   binLabel(featureProfile, value): string   pure, total (never throws), low cardinality
 *
 * - numeric feature with k bins: `b00` .. `b{k-1}` (two digits) for values inside
 *   [min, max] of the reference; `lt_min` below, `gt_max` above (+/-Infinity included);
 *   `missing` for null, undefined, '', NaN or anything that is not a number. Numeric
 *   strings ("3.5") are read as numbers, booleans as 1 / 0 (flags).
 * - categorical feature: the category name itself for a reference category; an integer
 *   code in range is read as the category at that position (the model input encoding,
 *   feature_schema.json order); `unseen` for any other value; `missing` for null,
 *   undefined or ''.
 *
 * So a feature has at most k + 3 (numeric) or categories + 2 (categorical) series, and no
 * request value ever becomes a label value. Profiles come from `loadReferenceProfile`
 * (src/adapters/files/drift-profile.ts); `featureProfileOf(profile, name)` picks a feature.
 * Gateways should zero-initialise every (feature, bin) series at start-up
 * (`binLabels(featureProfile)` lists them) so that increase() sees each series from 0.
 * `featureBinner(profile)` (below) is the gateway's FeatureBinner for one model's profile.
 */
export const LT_MIN = 'lt_min';
export const GT_MAX = 'gt_max';
export const MISSING = 'missing';
export const UNSEEN = 'unseen';

export type FeatureInput = number | string | boolean | null | undefined;

/** `b00`, `b01`, ...: stable labels of the in-range numeric bins. */
export function numericBinName(index: number): string {
  return `b${String(index).padStart(2, '0')}`;
}

/** Every label of a feature, in bin-index order (the order `binIndex` returns). */
export function binLabels(feature: FeatureProfile): string[] {
  if (feature.type === 'numeric') return [...feature.lower.map((_, i) => numericBinName(i)), LT_MIN, GT_MAX, MISSING];
  return [...feature.categories, UNSEEN, MISSING];
}

export function binLabel(feature: FeatureProfile, value: FeatureInput): string {
  return binLabels(feature)[binIndex(feature, value)] as string;
}

/**
 * Index into `binLabels(feature)`. Numeric: 0..k-1 in range, k = lt_min, k+1 = gt_max,
 * k+2 = missing. Categorical: 0..C-1 categories, C = unseen, C+1 = missing.
 */
export function binIndex(feature: FeatureProfile, value: FeatureInput): number {
  return feature.type === 'numeric' ? numericBinIndex(feature, value) : categoricalBinIndex(feature, value);
}

export function asNumber(value: FeatureInput): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? Number.NaN : Number(trimmed);
  }
  return Number.NaN;
}

function numericBinIndex(feature: NumericFeatureProfile, value: FeatureInput): number {
  const x = asNumber(value);
  return numericIndexOf(feature.lower, feature.max, x);
}

/** The bin of x given lower edges and the maximum (shared with the compiled fast path). */
export function numericIndexOf(lower: ArrayLike<number>, max: number, x: number): number {
  const k = lower.length;
  if (Number.isNaN(x)) return k + 2;
  if (x < (lower[0] as number)) return k;
  if (x > max) return k + 1;
  // right-most lower edge <= x
  let lo = 0;
  let hi = k;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((lower[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  return lo;
}

function categoricalBinIndex(feature: CategoricalFeatureProfile, value: FeatureInput): number {
  const c = feature.categories.length;
  if (value === null || value === undefined || value === '') return c + 1;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return c + 1;
    return Number.isInteger(value) && value >= 0 && value < c ? value : c;
  }
  const index = feature.categories.indexOf(String(value));
  return index >= 0 ? index : c;
}

/** Reference counts in bin-index order (out-of-range and unseen are 0 by construction). */
export function referenceBinCounts(feature: FeatureProfile): number[] {
  if (feature.type === 'numeric') return [...feature.counts, 0, 0, feature.missing];
  return [...feature.counts, 0, feature.missing];
}

/**
 * The gateway's `FeatureBinner` for one profile: feature name -> its bin label, or
 * undefined for a feature the profile does not track (then nothing is counted).
 * Precomputes the name lookup once.
 */
export function featureBinner(profile: {
  features: readonly FeatureProfile[];
}): (feature: string, value: FeatureInput) => string | undefined {
  const byName = new Map(profile.features.map((f) => [f.name, { feature: f, labels: binLabels(f) }]));
  return (feature, value) => {
    const entry = byName.get(feature);
    return entry ? entry.labels[binIndex(entry.feature, value)] : undefined;
  };
}
