import { assertNoNaN } from './sample-checks.ts';
import { meanAndPopulationStd } from './sample-moments.ts';
import { sortedFloat64 } from './sort-float64.ts';

/**
 * First Wasserstein distance between two samples, as `scipy.stats.wasserstein_distance(u, v)`:
 * the area between the two empirical CDFs, sum over the merged sorted values of
 * |F_u(x_i) - F_v(x_i)| * (x_{i+1} - x_i).
 *
 * Evidently's "Wasserstein distance (normed)" divides it by the reference's standard
 * deviation (population, ddof 0), floored at 0.001 (`_wasserstein_distance_norm`), so the
 * threshold reads in reference standard deviations: its default 0.1 means "the mass moved
 * a tenth of a standard deviation on average". Evidently uses it by default for numeric
 * columns over 1000 rows (Evidently "Data drift" docs, default detection logic).
 */

/** Both inputs sorted ascending (Float64Array.sort or an equivalent numeric sort). */
export function wassersteinSorted(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const nu = u.length;
  const nv = v.length;
  if (nu === 0 || nv === 0) return Number.NaN;
  assertNoNaN(u, 'wasserstein', 'u');
  assertNoNaN(v, 'wasserstein', 'v');
  let i = 0;
  let j = 0;
  let total = 0;
  let compensation = 0; // Neumaier summation: 2e6 terms stay within 1e-15 of the exact sum
  // Walk the merged order; between consecutive merged values both CDFs are constant.
  let previous = Math.min(u[0] as number, v[0] as number);
  while (i < nu || j < nv) {
    const next = j >= nv || (i < nu && (u[i] as number) <= (v[j] as number)) ? (u[i] as number) : (v[j] as number);
    if (next !== previous) {
      const term = Math.abs(i / nu - j / nv) * (next - previous);
      const t = total + term;
      compensation += Math.abs(total) >= Math.abs(term) ? total - t + term : term - t + total;
      total = t;
      previous = next;
    }
    while (i < nu && (u[i] as number) === next) i++;
    while (j < nv && (v[j] as number) === next) j++;
  }
  return total + compensation;
}

export function wasserstein(u: ArrayLike<number>, v: ArrayLike<number>): number {
  assertNoNaN(u, 'wasserstein', 'u');
  assertNoNaN(v, 'wasserstein', 'v');
  return wassersteinSorted(sortedCopy(u), sortedCopy(v));
}

/** Evidently's normalisation: reference population standard deviation, at least 0.001. */
export function wassersteinNormalizer(referenceStd: number): number {
  return Math.max(referenceStd, 0.001);
}

/** Evidently's normed Wasserstein distance from two samples. */
export function normalizedWasserstein(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  assertNoNaN(reference, 'normalizedWasserstein', 'reference');
  assertNoNaN(current, 'normalizedWasserstein', 'current');
  return wasserstein(reference, current) / wassersteinNormalizer(populationStd(reference));
}

/** sqrt(mean((x - mean)^2)), numpy's default np.std (ddof 0), compensated (sample-moments.ts). */
export function populationStd(values: ArrayLike<number>): number {
  return meanAndPopulationStd(values).std;
}

/** A sorted copy (radix sort for large inputs; the input must not contain NaN). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return sortedFloat64(values);
}
