/**
 * Prometheus' `histogram_quantile`, ported line by line from promql/quantile.go
 * (bucketQuantile, Prometheus 2.42) so a probe computed from one gateway's scrapes gives
 * the number a dashboard shows for the same buckets: linear interpolation inside the
 * bucket holding the rank, the lowest bucket starting at 0, the +Inf bucket answered with
 * the highest finite bound, buckets made monotonic first.
 */
export interface Bucket {
  upperBound: number;
  count: number;
}

export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  const last = sorted[sorted.length - 1];
  if (!last || last.upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;
  const buckets = coalesce(sorted);
  ensureMonotonic(buckets);
  if (buckets.length < 2) return Number.NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  // sort.Search over all but the +Inf bucket: the first bucket whose count reaches the rank.
  let b = 0;
  while (b < buckets.length - 1 && (buckets[b] as Bucket).count < rank) b++;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  if (b === 0 && (buckets[0] as Bucket).upperBound <= 0) return (buckets[0] as Bucket).upperBound;
  let bucketStart = 0;
  const bucketEnd = (buckets[b] as Bucket).upperBound;
  let count = (buckets[b] as Bucket).count;
  if (b > 0) {
    const prev = buckets[b - 1] as Bucket;
    bucketStart = prev.upperBound;
    count -= prev.count;
    rank -= prev.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Buckets with the same bound (from several series summed) are added together. */
function coalesce(sorted: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else out.push({ ...b });
  }
  return out;
}

/** Cumulative counts must not decrease; a lower count (a scrape race) takes its predecessor's. */
function ensureMonotonic(buckets: Bucket[]): void {
  let max = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
}
