import { assertNoNaN } from './sample-checks.ts';

/**
 * The KS statistic and the Wasserstein-1 distance of two sorted samples in one merge pass,
 * for large windows: both walk the merged order of the values, and the CDF gap computed
 * after a value is both KS's candidate and the height of Wasserstein's next strip, so each
 * distinct value costs one gap. Gaps use reciprocals instead of divisions and the strips
 * are summed plainly (all positive: relative error below n * 2^-53), so the results equal
 * ks.ts's `ksStatisticSorted` and wasserstein.ts's `wassersteinSorted` to ~1e-13
 * relative, not bit for bit.
 */
export function ksAndWassersteinSorted(u: Float64Array, v: Float64Array): { ks: number; wasserstein: number } {
  const nu = u.length;
  const nv = v.length;
  if (nu === 0 || nv === 0) return { ks: Number.NaN, wasserstein: Number.NaN };
  assertNoNaN(u, 'ksAndWassersteinSorted', 'u');
  assertNoNaN(v, 'ksAndWassersteinSorted', 'v');
  const invU = 1 / nu;
  const invV = 1 / nv;
  let i = 0;
  let j = 0;
  let gap = 0;
  let maxGap = 0;
  let minGap = 0;
  let total = 0;
  let previous = Math.min(u[0] as number, v[0] as number);
  // both samples have values left
  while (i < nu && j < nv) {
    const x = u[i] as number;
    const y = v[j] as number;
    let next: number;
    if (x < y) {
      next = x;
      i++;
      while (i < nu && u[i] === next) i++;
    } else if (y < x) {
      next = y;
      j++;
      while (j < nv && v[j] === next) j++;
    } else {
      next = x;
      i++;
      while (i < nu && u[i] === next) i++;
      j++;
      while (j < nv && v[j] === next) j++;
    }
    total += (gap < 0 ? -gap : gap) * (next - previous);
    previous = next;
    gap = i * invU - j * invV;
    if (gap > maxGap) maxGap = gap;
    else if (gap < minGap) minGap = gap;
  }
  // one sample is exhausted: its CDF is 1 from here on
  while (i < nu) {
    const next = u[i] as number;
    i++;
    while (i < nu && u[i] === next) i++;
    total += (gap < 0 ? -gap : gap) * (next - previous);
    previous = next;
    gap = i * invU - 1;
    if (gap < minGap) minGap = gap;
  }
  while (j < nv) {
    const next = v[j] as number;
    j++;
    while (j < nv && v[j] === next) j++;
    total += (gap < 0 ? -gap : gap) * (next - previous);
    previous = next;
    gap = 1 - j * invV;
    if (gap > maxGap) maxGap = gap;
  }
  return { ks: Math.max(Math.min(-minGap, 1), maxGap), wasserstein: total };
}
