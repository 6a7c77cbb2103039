import { isGood, LOAD_TIERS, type LoadRecord, type LoadTier, tierOf } from './record.ts';

/**
 * Nearest-rank quantile: the smallest sample with at least q of the samples at or below it
 * (numpy's method="inverted_cdf"; what HdrHistogram and wrk2 report). Unlike interpolating
 * methods it is always a latency some request really had. NaN for no samples: "no data" is
 * not a latency.
 */
export function nearestRankQuantile(sortedAscending: readonly number[], q: number): number {
  const n = sortedAscending.length;
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * n - 1e-9));
  return sortedAscending[Math.min(rank, n) - 1] as number;
}

export interface LoadSummary {
  /** Requests sent (dropped ones excluded). */
  requests: number;
  dropped: number;
  good: number;
  /** 1 - good / requests; NaN when nothing was sent. */
  errorRatio: number;
  p50Ms: number;
  p99Ms: number;
  /** Share of sent requests per tier (sums to 1 when requests > 0). */
  tierShare: Record<LoadTier, number>;
  /** Share of sent requests that were repeats / the hot key / fraud-like. */
  repeatShare: number;
  hotShare: number;
  fraudLikeShare: number;
  /** p99 of the driver's own send lag: when large, the driver (not the server) was the bottleneck. */
  sendLagP99Ms: number;
}

function emptyTierShare(): Record<LoadTier, number> {
  return Object.fromEntries(LOAD_TIERS.map((t) => [t, 0])) as Record<LoadTier, number>;
}

export function summarizeLoad(records: readonly LoadRecord[]): LoadSummary {
  const sent = records.filter((r) => !r.dropped);
  const n = sent.length;
  const latencies = sent.map((r) => r.latencyMs).sort((a, b) => a - b);
  const lags = sent.map((r) => r.sendLagMs).sort((a, b) => a - b);
  const tierShare = emptyTierShare();
  let good = 0;
  let repeats = 0;
  let hot = 0;
  let fraud = 0;
  for (const r of sent) {
    tierShare[tierOf(r)] += 1;
    if (isGood(r)) good++;
    if (r.kind === 'repeat') repeats++;
    if (r.kind === 'hot') hot++;
    if (r.fraudLike) fraud++;
  }
  const share = (k: number) => (n === 0 ? Number.NaN : k / n);
  if (n > 0) for (const t of LOAD_TIERS) tierShare[t] /= n;
  return {
    requests: n,
    dropped: records.length - n,
    good,
    errorRatio: n === 0 ? Number.NaN : 1 - good / n,
    p50Ms: nearestRankQuantile(latencies, 0.5),
    p99Ms: nearestRankQuantile(latencies, 0.99),
    tierShare,
    repeatShare: share(repeats),
    hotShare: share(hot),
    fraudLikeShare: share(fraud),
    sendLagP99Ms: nearestRankQuantile(lags, 0.99),
  };
}

export interface LoadSeriesPoint {
  /** Start of the bucket, ms since the run started. */
  tMs: number;
  requests: number;
  /** NaN when the bucket holds no request (no data, drawn as a gap). */
  p99Ms: number;
  errorRatio: number;
  tierShare: Record<LoadTier, number>;
}

/**
 * Fixed buckets by arrival (scheduled) time, like a Prometheus range query with step =
 * bucketMs over rate()/histogram_quantile(): what the report charts.
 */
export function loadSeries(records: readonly LoadRecord[], bucketMs: number, durationMs?: number): LoadSeriesPoint[] {
  if (!(bucketMs > 0)) throw new RangeError(`bucketMs must be > 0, got ${bucketMs}`);
  const last = records.reduce((m, r) => Math.max(m, r.scheduledMs), 0);
  const buckets = Math.max(1, Math.ceil((durationMs ?? last + 1) / bucketMs));
  const groups: LoadRecord[][] = Array.from({ length: buckets }, () => []);
  for (const r of records) {
    if (r.dropped) continue;
    const i = Math.min(buckets - 1, Math.floor(r.scheduledMs / bucketMs));
    groups[i]?.push(r);
  }
  return groups.map((group, i) => {
    const s = summarizeLoad(group);
    const tierShare = s.requests === 0 ? emptyTierShare() : s.tierShare;
    return { tMs: i * bucketMs, requests: s.requests, p99Ms: s.p99Ms, errorRatio: s.errorRatio, tierShare };
  });
}

/**
 * p99 of the requests that completed in (nowMs - windowMs, nowMs]: the live figure a game
 * day shows while it runs. Expects `completedInOrder` sorted by completion time
 * (scheduledMs + latencyMs), which is the order a driver learns about them.
 */
export function recentP99(completedInOrder: readonly LoadRecord[], nowMs: number, windowMs: number): number {
  const from = nowMs - windowMs;
  const latencies: number[] = [];
  for (let i = completedInOrder.length - 1; i >= 0; i--) {
    const r = completedInOrder[i] as LoadRecord;
    const done = r.scheduledMs + r.latencyMs;
    if (done <= from) break;
    if (done <= nowMs && !r.dropped) latencies.push(r.latencyMs);
  }
  return nearestRankQuantile(
    latencies.sort((a, b) => a - b),
    0.99,
  );
}
