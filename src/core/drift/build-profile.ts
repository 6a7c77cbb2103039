import type { FeatureSchema } from '../spec/feature-schema.ts';
import { meanAndPopulationStd } from '../stats/sample-moments.ts';
import { sortedFloat64 } from '../stats/sort-float64.ts';
import {
  type CategoricalFeatureProfile,
  type NumericFeatureProfile,
  PROFILE_FORMAT,
  PROFILE_VERSION,
  type ReferenceProfile,
} from './profile.ts';
import { reservoirSample } from './reservoir.ts';

export interface ProfileOptions {
  /** In-range bins per continuous numeric feature (deciles by default, as PSI is usually binned). */
  bins: number;
  /** A numeric feature with at most this many distinct values gets one bin per value. */
  maxDiscreteValues: number;
  /** Reference values kept per numeric feature for exact tests (KS p-values). */
  sampleSize: number;
  seed: number;
}

export const DEFAULT_PROFILE_OPTIONS: ProfileOptions = {
  bins: 10,
  maxDiscreteValues: 20,
  sampleSize: 5000,
  seed: 20261128,
};

/** Column-wise reference data: numeric columns hold NaN for a missing value, categorical ones ''. */
export interface ReferenceColumns {
  rows: number;
  numeric: Record<string, ArrayLike<number>>;
  categorical: Record<string, readonly string[]>;
  /** The label column (e.g. is_fraud), if the data has one. */
  label?: { column: string; values: readonly (number | string)[] };
  /** Scores of each Triton model on the same rows, with its decision threshold. */
  scores?: Record<string, { threshold: number; scores: ArrayLike<number> }>;
}

export interface ProfileSource {
  data: string;
  sha256: string;
}

/** Builds the profile (pure and deterministic: same data, options and seed, same JSON). */
export function buildReferenceProfile(
  schema: FeatureSchema,
  columns: ReferenceColumns,
  source: ProfileSource,
  options: ProfileOptions = DEFAULT_PROFILE_OPTIONS,
): ReferenceProfile {
  const features = schema.features.map((feature, index) => {
    if (feature.type === 'numeric') {
      const values = columns.numeric[feature.name];
      if (!values) throw new RangeError(`the reference data has no column "${feature.name}" (numeric feature)`);
      return numericProfile(feature.name, values, options, options.seed + index);
    }
    const values = columns.categorical[feature.name];
    if (!values) throw new RangeError(`the reference data has no column "${feature.name}" (categorical feature)`);
    return categoricalProfile(feature.name, feature.categories, values);
  });
  const profile: ReferenceProfile = {
    format: PROFILE_FORMAT,
    version: PROFILE_VERSION,
    source: { data: source.data, rows: columns.rows, sha256: source.sha256 },
    options: { ...options },
    features,
  };
  if (columns.label) profile.labels = { column: columns.label.column, ...countLabels(columns.label.values) };
  if (columns.scores) {
    profile.predictions = Object.fromEntries(
      Object.entries(columns.scores).map(([model, { threshold, scores }]) => {
        const labels: string[] = [];
        for (let i = 0; i < scores.length; i++) labels.push((scores[i] as number) >= threshold ? '1' : '0');
        return [model, { threshold, ...countLabels(labels) }];
      }),
    );
  }
  return profile;
}

function countLabels(values: readonly (number | string)[]): { n: number; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  for (const v of values) {
    const key = String(v);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const sorted = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { n: values.length, counts: sorted };
}

export function numericProfile(
  name: string,
  values: ArrayLike<number>,
  options: ProfileOptions,
  seed: number,
): NumericFeatureProfile {
  let finiteCount = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i] as number)) finiteCount++;
  if (finiteCount === 0) {
    throw new RangeError(`numeric feature "${name}" has no finite value in the reference data; cannot bin it`);
  }
  const finiteValues = new Float64Array(finiteCount);
  for (let i = 0, j = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) finiteValues[j++] = v;
  }
  const missing = values.length - finiteCount;
  const sorted = sortedFloat64(finiteValues);
  const n = sorted.length;
  const min = sorted[0] as number;
  const max = sorted[n - 1] as number;
  const distinct = distinctSorted(sorted, options.maxDiscreteValues + 1);
  const discrete = distinct.length <= options.maxDiscreteValues;
  const lower = discrete ? distinct : quantileEdges(sorted, options.bins);
  // Walk the sorted values once: counts and sums per bin (bins are contiguous in sorted order).
  const counts = new Array<number>(lower.length).fill(0);
  const sums = new Array<number>(lower.length).fill(0);
  let bin = 0;
  for (let i = 0; i < n; i++) {
    const v = sorted[i] as number;
    while (bin + 1 < lower.length && v >= (lower[bin + 1] as number)) bin++;
    counts[bin] = (counts[bin] as number) + 1;
    sums[bin] = (sums[bin] as number) + v;
  }
  // A bin's centroid lies inside it; clamp away the last-ulp rounding of the sum.
  const means = sums.map((sum, b) => {
    const count = counts[b] as number;
    const lo = lower[b] as number;
    const hi = b + 1 < lower.length ? (lower[b + 1] as number) : max;
    return count > 0 ? Math.min(Math.max(sum / count, lo), hi) : lo;
  });
  return {
    name,
    type: 'numeric',
    kind: discrete ? 'discrete' : 'continuous',
    lower,
    max,
    counts,
    means,
    n,
    missing,
    moments: { ...meanAndPopulationStd(finiteValues), min, max },
    sample: Array.from(sortedFloat64(reservoirSample(finiteValues, options.sampleSize, seed))),
  };
}

/** min, then the quantiles i/k (numpy 'linear'), keeping only strictly increasing edges. */
export function quantileEdges(sorted: ArrayLike<number>, bins: number): number[] {
  const edges = [sorted[0] as number];
  for (let i = 1; i < bins; i++) {
    const q = quantileSorted(sorted, i / bins);
    if (q > (edges[edges.length - 1] as number) && q <= (sorted[sorted.length - 1] as number)) edges.push(q);
  }
  return edges;
}

/** numpy.quantile(x, p) with the default 'linear' method (and numpy's two-sided lerp), x sorted. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const t = h - lo;
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function distinctSorted(sorted: ArrayLike<number>, limit: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < sorted.length && out.length < limit; i++) {
    const v = sorted[i] as number;
    if (out.length === 0 || v !== out[out.length - 1]) out.push(v);
  }
  return out;
}

export function categoricalProfile(
  name: string,
  schemaCategories: readonly string[],
  values: readonly string[],
): CategoricalFeatureProfile {
  // Schema order first (the model's integer codes), then categories the schema does not list.
  const categories = [...schemaCategories];
  for (const v of values) if (v !== '' && !categories.includes(v)) categories.push(v);
  const draft: CategoricalFeatureProfile = {
    name,
    type: 'categorical',
    categories,
    counts: new Array<number>(categories.length).fill(0),
    n: 0,
    missing: 0,
  };
  const index = new Map(categories.map((c, i) => [c, i]));
  for (const v of values) {
    if (v === '') {
      draft.missing++;
      continue;
    }
    const i = index.get(v) as number;
    draft.counts[i] = (draft.counts[i] as number) + 1;
    draft.n++;
  }
  return draft;
}
