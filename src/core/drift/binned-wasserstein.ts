import type { NumericFeatureProfile } from './profile.ts';

/**
 * First Wasserstein distance between the reference and the current distribution of a
 * numeric feature, from bin counts alone (what Prometheus holds), in bin-index order
 * (k in-range bins, lt_min, gt_max, missing; see bins.ts).
 *
 * Within a continuous bin the mass is taken as spread uniformly, so both CDFs are linear
 * there and the area between them is exact for that model; a discrete feature's mass sits
 * on its values (one bin each), where the result equals scipy's wasserstein_distance on the
 * values. Out-of-range mass is placed at the reference min / max (a lower bound: we do not
 * know how far beyond it went), and missing values are left out. Evidently normalises by
 * the reference standard deviation; the caller does that.
 */
export function binnedWasserstein(
  feature: NumericFeatureProfile,
  reference: readonly number[],
  current: readonly number[],
): number {
  const k = feature.lower.length;
  const refShares = inRangeShares(reference, k);
  const curShares = inRangeShares(current, k);
  if (!refShares || !curShares) return Number.NaN;
  const edge = (i: number): number => (i < k ? (feature.lower[i] as number) : feature.max);
  // Difference of the two CDFs just after the point mass at min.
  let d = refShares.below - curShares.below;
  let area = 0;
  for (let i = 0; i < k; i++) {
    const width = edge(i + 1) - edge(i);
    const step = (refShares.bins[i] as number) - (curShares.bins[i] as number);
    if (feature.kind === 'discrete') {
      // mass at lower[i]: the CDF steps there and stays flat to the next value
      d += step;
      if (i < k - 1) area += Math.abs(d) * width;
      continue;
    }
    const d1 = d + step;
    area += linearAbsIntegral(d, d1) * width;
    d = d1;
  }
  return area;
}

/** Integral over [0, 1] of |d0 + (d1 - d0) t|. */
function linearAbsIntegral(d0: number, d1: number): number {
  if (d0 * d1 >= 0) return (Math.abs(d0) + Math.abs(d1)) / 2;
  return (d0 * d0 + d1 * d1) / (2 * (Math.abs(d0) + Math.abs(d1)));
}

function inRangeShares(counts: readonly number[], k: number): { below: number; bins: number[] } | undefined {
  let total = 0;
  for (let i = 0; i < k + 2; i++) total += counts[i] ?? 0;
  if (!(total > 0)) return undefined;
  return {
    below: (counts[k] ?? 0) / total,
    bins: counts.slice(0, k).map((c) => c / total),
  };
}
