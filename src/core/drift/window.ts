import { asNumber, binLabels, type FeatureInput, numericIndexOf } from './bins.ts';
import type { FeatureProfile, ReferenceProfile } from './profile.ts';
import { Reservoir } from './reservoir.ts';

/**
 * What one window of traffic looks like to the detectors, whichever path produced it:
 * Prometheus (`increase()` of the gateway's counters, summed over replicas) or the
 * in-process stream (rows from a file or a prediction log). Counts may be fractional
 * (increase() extrapolates to the window edges).
 */
export interface WindowCounts {
  /** feature -> bin label -> count. */
  features: Record<string, Record<string, number>>;
  /** variant -> predicted label -> count. */
  predictions: Record<string, Record<string, number>>;
  /** Current values of numeric features (stream path only): a bounded uniform sample for exact tests. */
  samples?: Record<string, ArrayLike<number>>;
  /** Profile features the source has no field for at all (a schema mismatch, not missing values). */
  absent?: string[];
}

export function emptyWindow(): WindowCounts {
  return { features: {}, predictions: {} };
}

/** Adds b into a (counts only; samples are not mergeable and are dropped). */
export function mergeWindows(a: WindowCounts, b: WindowCounts): WindowCounts {
  const add = (into: Record<string, Record<string, number>>, from: Record<string, Record<string, number>>) => {
    for (const [key, bins] of Object.entries(from)) {
      if (!into[key]) into[key] = {};
      const target = into[key];
      for (const [bin, count] of Object.entries(bins)) target[bin] = (target[bin] ?? 0) + count;
    }
  };
  const out = emptyWindow();
  add(out.features, a.features);
  add(out.features, b.features);
  add(out.predictions, a.predictions);
  add(out.predictions, b.predictions);
  return out;
}

export interface Prediction {
  variant: string;
  label: string;
}

interface CompiledFeature {
  profile: FeatureProfile;
  labels: string[];
  counts: Float64Array;
  lower?: Float64Array;
  categoryIndex?: Map<string, number>;
  reservoir?: Reservoir;
}

/**
 * The in-process stream: counts rows into the profile's bins (the same bins the gateway
 * counts) and keeps a bounded uniform sample of each numeric feature's values for exact
 * tests. Hot path: one binary search per numeric value, one map lookup per categorical.
 */
export class StreamAccumulator {
  readonly #features: CompiledFeature[];
  readonly #byName: Map<string, CompiledFeature>;
  readonly #predictions = new Map<string, Map<string, number>>();
  #unknown = new Set<string>();

  constructor(
    profile: ReferenceProfile,
    options: { sampleSize: number; seed: number } = { sampleSize: 5000, seed: 1 },
  ) {
    this.#features = profile.features.map((f, i) => {
      const labels = binLabels(f);
      const compiled: CompiledFeature = { profile: f, labels, counts: new Float64Array(labels.length) };
      if (f.type === 'numeric') {
        compiled.lower = Float64Array.from(f.lower);
        if (options.sampleSize > 0) compiled.reservoir = new Reservoir(options.sampleSize, options.seed + i);
      } else {
        compiled.categoryIndex = new Map(f.categories.map((c, j) => [c, j]));
      }
      return compiled;
    });
    this.#byName = new Map(this.#features.map((f) => [f.profile.name, f]));
  }

  /** Counts one record (feature name -> value). Unknown feature names are remembered, not counted. */
  add(record: Readonly<Record<string, FeatureInput>>, prediction?: Prediction): void {
    for (const f of this.#features) this.#count(f, record[f.profile.name]);
    for (const name in record) if (!this.#byName.has(name)) this.#unknown.add(name);
    if (prediction) this.addPrediction(prediction);
  }

  /** Counts one value of one feature (the columnar fast path). */
  addValue(feature: string, value: FeatureInput): void {
    const f = this.#byName.get(feature);
    if (f) this.#count(f, value);
    else this.#unknown.add(feature);
  }

  /** Counts a whole column of one numeric feature (the batch fast path: no per-value lookups). */
  addColumn(feature: string, values: ArrayLike<number>): void {
    const f = this.#byName.get(feature);
    if (!f) {
      this.#unknown.add(feature);
      return;
    }
    if (!f.lower) {
      for (let i = 0; i < values.length; i++) this.#count(f, values[i]);
      return;
    }
    const lower = f.lower;
    const max = (f.profile as Extract<FeatureProfile, { type: 'numeric' }>).max;
    const counts = f.counts;
    const reservoir = f.reservoir;
    for (let i = 0; i < values.length; i++) {
      const x = values[i] as number;
      const index = numericIndexOf(lower, max, x);
      counts[index] = (counts[index] as number) + 1;
      if (reservoir && Number.isFinite(x)) reservoir.add(x);
    }
  }

  addPrediction({ variant, label }: Prediction): void {
    let byLabel = this.#predictions.get(variant);
    if (!byLabel) {
      byLabel = new Map();
      this.#predictions.set(variant, byLabel);
    }
    byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
  }

  #count(f: CompiledFeature, value: FeatureInput): void {
    let index: number;
    if (f.lower) {
      const p = f.profile as Extract<FeatureProfile, { type: 'numeric' }>;
      const x = typeof value === 'number' ? value : asNumber(value);
      index = numericIndexOf(f.lower, p.max, x);
      if (f.reservoir && Number.isFinite(x)) f.reservoir.add(x);
    } else {
      const c = (f.categoryIndex as Map<string, number>).size;
      if (value === null || value === undefined || value === '') index = c + 1;
      else if (typeof value === 'number')
        index = Number.isInteger(value) && value >= 0 && value < c ? value : Number.isNaN(value) ? c + 1 : c;
      else index = (f.categoryIndex as Map<string, number>).get(String(value)) ?? c;
    }
    f.counts[index] = (f.counts[index] as number) + 1;
  }

  /** Feature names seen in records that the profile does not have. */
  unknownFeatures(): string[] {
    return [...this.#unknown].sort();
  }

  snapshot(): WindowCounts {
    const features: WindowCounts['features'] = {};
    const samples: Record<string, Float64Array> = {};
    for (const f of this.#features) {
      const bins: Record<string, number> = {};
      let total = 0;
      f.labels.forEach((label, i) => {
        const c = f.counts[i] as number;
        total += c;
        if (c > 0) bins[label] = c;
      });
      if (total > 0) features[f.profile.name] = bins;
      if (f.reservoir && f.reservoir.seen > 0) samples[f.profile.name] = f.reservoir.sample();
    }
    const predictions: WindowCounts['predictions'] = {};
    for (const [variant, byLabel] of this.#predictions) predictions[variant] = Object.fromEntries(byLabel);
    return { features, predictions, samples };
  }
}
