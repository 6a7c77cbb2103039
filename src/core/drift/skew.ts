import { asNumber, type FeatureInput } from './bins.ts';

/**
 * Train/serve skew: the same entity's features as the gateway served them (prediction
 * log) and as the offline pipeline computes them (the playbook: "training uses SQL
 * aggregation, serving recomputes in Python -> train/serve skew"). Per feature: how often
 * they disagree beyond a tolerance, by how much, and the largest differences with the
 * request that showed them.
 *
 * Numeric values agree when |online - offline| <= atol + rtol * |offline| (numpy.isclose);
 * categorical values when their names are equal (an integer code online is read as the
 * category at that position, the model's encoding).
 */
export interface SkewFeature {
  name: string;
  type: 'numeric' | 'categorical';
  /** Category names in code order (categorical only). */
  categories?: readonly string[];
}

export interface SkewPair {
  entity: string;
  requestId: string | undefined;
  online: Readonly<Record<string, FeatureInput>>;
  offline: Readonly<Record<string, FeatureInput>>;
}

export interface SkewTolerance {
  rtol: number;
  atol: number;
}

export const DEFAULT_SKEW_TOLERANCE: SkewTolerance = { rtol: 1e-5, atol: 1e-8 };

export interface SkewDifference {
  entity: string;
  requestId: string | undefined;
  online: FeatureInput;
  offline: FeatureInput;
  /** |online - offline| for numeric features; 1 for a categorical mismatch. */
  difference: number;
}

export interface FeatureSkew {
  feature: string;
  type: 'numeric' | 'categorical';
  /** Pairs where both sides had a value. */
  compared: number;
  mismatches: number;
  mismatchRate: number;
  missingOnline: number;
  missingOffline: number;
  meanAbsoluteDifference: number;
  largest: SkewDifference[];
}

export interface SkewReport {
  pairs: number;
  features: FeatureSkew[];
}

const isMissing = (v: FeatureInput): boolean =>
  v === undefined || v === null || v === '' || (typeof v === 'number' && Number.isNaN(v));

export function compareSkew(
  pairs: Iterable<SkewPair>,
  features: readonly SkewFeature[],
  tolerance: SkewTolerance = DEFAULT_SKEW_TOLERANCE,
  keepLargest = 5,
): SkewReport {
  const state = features.map((f) => ({
    feature: f,
    compared: 0,
    mismatches: 0,
    missingOnline: 0,
    missingOffline: 0,
    absSum: 0,
    largest: [] as SkewDifference[],
  }));
  let count = 0;
  for (const pair of pairs) {
    count++;
    for (const s of state) {
      const name = s.feature.name;
      const online = pair.online[name];
      const offline = pair.offline[name];
      const missingOn = isMissing(online);
      const missingOff = isMissing(offline);
      if (missingOn) s.missingOnline++;
      if (missingOff) s.missingOffline++;
      if (missingOn || missingOff) continue;
      s.compared++;
      let difference: number;
      let mismatch: boolean;
      if (s.feature.type === 'numeric') {
        const a = asNumber(online);
        const b = asNumber(offline);
        difference = Math.abs(a - b);
        mismatch =
          !(difference <= tolerance.atol + tolerance.rtol * Math.abs(b)) && !(Number.isNaN(a) && Number.isNaN(b));
        if (Number.isFinite(difference)) s.absSum += difference;
      } else {
        mismatch = categoryName(online, s.feature.categories) !== categoryName(offline, s.feature.categories);
        difference = mismatch ? 1 : 0;
        s.absSum += difference;
      }
      if (!mismatch) continue;
      s.mismatches++;
      keepTop(s.largest, { entity: pair.entity, requestId: pair.requestId, online, offline, difference }, keepLargest);
    }
  }
  return {
    pairs: count,
    features: state.map((s) => ({
      feature: s.feature.name,
      type: s.feature.type,
      compared: s.compared,
      mismatches: s.mismatches,
      mismatchRate: s.compared > 0 ? s.mismatches / s.compared : Number.NaN,
      missingOnline: s.missingOnline,
      missingOffline: s.missingOffline,
      meanAbsoluteDifference: s.compared > 0 ? s.absSum / s.compared : Number.NaN,
      largest: s.largest,
    })),
  };
}

function categoryName(value: FeatureInput, categories: readonly string[] | undefined): string {
  if (typeof value === 'number' && categories && Number.isInteger(value) && value >= 0 && value < categories.length) {
    return categories[value] as string;
  }
  return String(value).trim();
}

/** Keeps the `limit` largest differences, largest first (NaN, i.e. a non-number, ranks first). */
function keepTop(list: SkewDifference[], item: SkewDifference, limit: number): void {
  const rank = (d: SkewDifference) => (Number.isNaN(d.difference) ? Number.POSITIVE_INFINITY : d.difference);
  if (list.length >= limit && rank(item) <= rank(list[list.length - 1] as SkewDifference)) return;
  list.push(item);
  list.sort((a, b) => rank(b) - rank(a));
  if (list.length > limit) list.length = limit;
}
