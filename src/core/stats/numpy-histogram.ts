/**
 * numpy's histogram arithmetic, reproduced exactly so that binned statistics computed here
 * equal Evidently's on identical data (Evidently bins numeric columns with
 * `np.histogram_bin_edges(combined, bins="sturges")`, then `np.histogram(x, edges)`).
 *
 * - Sturges: width = ptp / (log2(n) + 1); bins = ceil(ptp / width); edges =
 *   `np.linspace(min, max, bins + 1)` (i * step + start, last edge = max exactly).
 * - Counting with explicit edges uses numpy's searchsorted path: bin i is [e_i, e_{i+1}),
 *   the last bin is closed, values outside [e_0, e_last] are not counted.
 */

/** Sturges bin edges of `values` as numpy computes them (values must be finite, n >= 1). */
export function sturgesEdges(values: ArrayLike<number>): number[] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return sturgesEdgesFromRange(min, max, values.length);
}

/** Sturges edges when the range and count are already known. */
export function sturgesEdgesFromRange(min: number, max: number, n: number): number[] {
  let first = min;
  let last = max;
  // numpy widens an empty range to [x - 0.5, x + 0.5].
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const ptp = max - min;
  const width = ptp / (Math.log2(n) + 1);
  const bins = width > 0 ? Math.ceil((last - first) / width) : 1;
  return linspace(first, last, bins + 1);
}

/** `np.linspace(start, stop, num)` with endpoint. */
export function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const out = new Array<number>(num);
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * Counts per bin for explicit edges, as `np.histogram(values, edges)` does. `sorted` lets a
 * caller that already sorted the values skip the per-value search.
 */
export function histogramCounts(values: ArrayLike<number>, edges: readonly number[], sorted = false): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  if (bins < 1) return counts;
  const first = edges[0] as number;
  const last = edges[bins] as number;
  if (sorted) {
    // cumulative counts at each edge: searchsorted left for all but the last edge, right for the last.
    const cumulative = new Array<number>(edges.length);
    for (let e = 0; e < bins; e++) cumulative[e] = lowerBound(values, edges[e] as number);
    cumulative[bins] = upperBound(values, last);
    for (let b = 0; b < bins; b++) counts[b] = (cumulative[b + 1] as number) - (cumulative[b] as number);
    return counts;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >= first && v <= last)) continue;
    // the right-most edge <= v (v === last falls into the closed last bin)
    let lo = 0;
    let hi = bins;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((edges[mid] as number) <= v) lo = mid;
      else hi = mid;
    }
    counts[lo] = (counts[lo] as number) + 1;
  }
  return counts;
}

/** First index with values[i] >= x (numpy searchsorted side='left'). */
export function lowerBound(values: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with values[i] > x (numpy searchsorted side='right'). */
export function upperBound(values: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
