import { histogramCounts, sturgesEdges } from './numpy-histogram.ts';
import { sharesOfBoth } from './proportions.ts';

/**
 * Hellinger distance between two discrete distributions: sqrt(1 - BC), with the
 * Bhattacharyya coefficient BC = sum sqrt(p_i q_i) clipped to [0, 1]. In [0, 1]; 0 for
 * identical distributions, 1 for disjoint ones. Evidently's default threshold is 0.1
 * (`hellinger_stat_test.default_threshold`); this is its categorical formula, and it is
 * the right one for any binned data (our reference-quantile bins).
 */
export function hellingerDistance(p: readonly number[], q: readonly number[]): number {
  const shares = sharesOfBoth(p, q, 'hellinger');
  if (!shares) return Number.NaN;
  let bc = 0;
  for (let i = 0; i < p.length; i++) bc += Math.sqrt((shares.p[i] as number) * (shares.q[i] as number));
  bc = Math.min(Math.max(bc, 0), 1);
  return Math.sqrt(1 - bc);
}

/**
 * Evidently's numeric Hellinger (`_hellinger_distance` for numerical columns): Sturges bins
 * over the distinct values of both samples, densities per bin, BC = sum sqrt(h1 h2) * width.
 * Kept for side-by-side checks against Evidently; our monitors use the binned form above.
 */
export function evidentlyNumericHellinger(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const keys = new Set<number>();
  for (let i = 0; i < reference.length; i++) keys.add(reference[i] as number);
  for (let i = 0; i < current.length; i++) keys.add(current[i] as number);
  const edges = sturgesEdges([...keys]);
  const h1 = density(histogramCounts(reference, edges), edges);
  const h2 = density(histogramCounts(current, edges), edges);
  const width = ((edges[edges.length - 1] as number) - (edges[0] as number)) / (edges.length - 1);
  let bc = 0;
  for (let i = 0; i < h1.length; i++) bc += Math.sqrt((h1[i] as number) * (h2[i] as number)) * width;
  bc = Math.min(Math.max(bc, 0), 1);
  return Math.sqrt(1 - bc);
}

function density(counts: number[], edges: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c, i) => c / total / ((edges[i + 1] as number) - (edges[i] as number)));
}
