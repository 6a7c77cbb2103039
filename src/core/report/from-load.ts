import type { LoadRecord } from '../load/record.ts';
import { type LoadSeriesPoint, loadSeries } from '../load/series.ts';
import type { EpochMs, TierSharePoint, TimePoint } from './types.ts';

/**
 * The report's series from the load driver's records: p99 latency, error ratio and share per
 * tier in steps of `stepMs`, on the wall clock (records are relative to the driver's start).
 * Steps without requests are NaN / empty: gaps, not zeros.
 */
export function reportSeriesFromLoad(
  records: readonly LoadRecord[],
  startedAtEpochMs: EpochMs,
  stepMs: number,
  durationMs?: number,
): { latencyMs: TimePoint[]; errorRatio: TimePoint[]; tierShare: TierSharePoint[] } {
  const points = loadSeries(records, stepMs, durationMs);
  // A step is plotted at its middle, where its requests arrived on average.
  const at = (p: LoadSeriesPoint) => startedAtEpochMs + p.tMs + stepMs / 2;
  return {
    latencyMs: points.map((p) => ({ atMs: at(p), value: p.p99Ms })),
    errorRatio: points.map((p) => ({ atMs: at(p), value: p.errorRatio })),
    tierShare: points.map((p) => ({
      atMs: at(p),
      shares: p.requests === 0 ? {} : Object.fromEntries(Object.entries(p.tierShare).filter(([, share]) => share > 0)),
    })),
  };
}
