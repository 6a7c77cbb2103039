import type { NumericFeatureProfile } from './profile.ts';

/**
 * First Wasserstein distance between the reference and the current distribution of a
 * numeric feature, from bin counts alone (what Prometheus holds), in bin-index order
 * (k in-range bins, lt_min, gt_max, missing; see bins.ts).
 *
 * Each bin's mass sits at the bin's reference centroid (the mean of the reference values
 * in it, stored in the profile), out-of-range mass at the reference min / max, and missing
 * values are left out; W1 is then exact for those point masses: sum over consecutive
 * support points of |F_ref - F_cur| times the gap (scipy's wasserstein_distance on the
 * points with the shares as weights). Centroids rather than a uniform spread keep a wide
 * tail bin (amount: the top decile spans 130 to 1900 USD) from magnifying sampling noise
 * in its share; for a discrete feature the centroids are the values, so the result is the
 * exact W1. Evidently normalises by the reference standard deviation; the caller does that.
 */
export function binnedWasserstein(
  feature: NumericFeatureProfile,
  reference: readonly number[],
  current: readonly number[],
): number {
  const k = feature.lower.length;
  const points = [feature.moments.min, ...feature.means, feature.max];
  const ref = supportShares(reference, k);
  const cur = supportShares(current, k);
  if (!ref || !cur) return Number.NaN;
  let d = 0;
  let area = 0;
  for (let j = 0; j < points.length - 1; j++) {
    d += (ref[j] as number) - (cur[j] as number);
    area += Math.abs(d) * ((points[j + 1] as number) - (points[j] as number));
  }
  return area;
}

/** Shares on the support points [min, centroid_0..centroid_{k-1}, max]; undefined when empty. */
function supportShares(counts: readonly number[], k: number): number[] | undefined {
  const ordered = [counts[k] ?? 0, ...counts.slice(0, k), counts[k + 1] ?? 0];
  const total = ordered.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return undefined;
  return ordered.map((c) => c / total);
}
