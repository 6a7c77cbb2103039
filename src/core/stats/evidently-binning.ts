import { histogramCounts, sturgesEdgesFromRange } from './numpy-histogram.ts';
import { fillZeroShares } from './psi.ts';

/**
 * Evidently's binning of two raw samples (`get_binned_data` in
 * evidently/legacy/calculations/stattests/utils.py), reproduced so that PSI and
 * Jensen-Shannon computed here on raw samples equal Evidently's on identical data (the
 * cross-check test and the benchmark rely on it):
 *
 * - a numeric column whose reference has more than 20 distinct values: Sturges bins over
 *   both samples together, shares = counts / len(sample);
 * - otherwise: one bin per distinct value of either sample (NaN dropped), shares = value
 *   counts / len(sample);
 * - `feelZeroes` (PSI): zero shares replaced by Evidently's epsilon (psi.ts).
 *
 * Our monitors bin at reference quantiles instead (profile.ts): bins fixed in advance are
 * what lets a gateway count them. This is for side-by-side comparison.
 */
export interface EvidentlyBinning {
  reference: number[];
  current: number[];
}

/** Inputs sorted ascending, without NaN. */
export function evidentlyBinnedSharesSorted(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  numeric: boolean,
  feelZeroes: boolean,
): EvidentlyBinning {
  let shares: EvidentlyBinning;
  if (numeric && countDistinct(reference, 21) > 20) {
    const min = Math.min(reference[0] as number, current[0] as number);
    const max = Math.max(reference[reference.length - 1] as number, current[current.length - 1] as number);
    const edges = sturgesEdgesFromRange(min, max, reference.length + current.length);
    shares = {
      reference: histogramCounts(reference, edges, true).map((c) => c / reference.length),
      current: histogramCounts(current, edges, true).map((c) => c / current.length),
    };
  } else {
    const keys = [...new Set([...distinctValues(reference), ...distinctValues(current)])].sort((a, b) => a - b);
    shares = {
      reference: valueShares(reference, keys),
      current: valueShares(current, keys),
    };
  }
  if (feelZeroes) {
    shares.reference = fillZeroShares(shares.reference, 'evidently');
    shares.current = fillZeroShares(shares.current, 'evidently');
  }
  return shares;
}

function countDistinct(sorted: ArrayLike<number>, limit: number): number {
  let count = 0;
  for (let i = 0; i < sorted.length && count < limit; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) count++;
  return count;
}

function distinctValues(sorted: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i] as number);
  return out;
}

function valueShares(sorted: ArrayLike<number>, keys: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return keys.map((k) => (counts.get(k) ?? 0) / sorted.length);
}
