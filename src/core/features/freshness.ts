import type { FeastView } from './feast-layout.ts';

/** The Pushgateway job the feature-store gauges are pushed under. */
export const FEATURE_STORE_PUSH_JOB = 'steadystate-feature-store';

export interface ViewFreshness {
  view: string;
  /** Age of the newest materialized value, seconds; null when the view has no value online. */
  ageSeconds: number | null;
  ttlSeconds: number;
  /** Older than the TTL: point-in-time training would no longer join the newest value. */
  stale: boolean;
}

/** Pure: per view, the age of its newest event time (epoch seconds) at `nowSeconds`. */
export function viewFreshness(
  views: readonly FeastView[],
  newestEventTimes: Readonly<Record<string, number | undefined>>,
  nowSeconds: number,
): ViewFreshness[] {
  return views.map((v) => {
    const newest = newestEventTimes[v.name];
    const ageSeconds = newest === undefined ? null : Math.max(0, nowSeconds - newest);
    return {
      view: v.name,
      ageSeconds,
      ttlSeconds: v.ttlSeconds,
      stale: ageSeconds === null || ageSeconds > v.ttlSeconds,
    };
  });
}

/** The gauges' text exposition (Pushgateway body). */
export function freshnessGaugesText(
  metric: string,
  durationMetric: string,
  rows: readonly ViewFreshness[],
  materializeSeconds: number | undefined,
): string {
  const lines = [
    `# HELP ${metric} Age of the newest materialized value of a Feast feature view in the online store`,
    `# TYPE ${metric} gauge`,
    ...rows.filter((r) => r.ageSeconds !== null).map((r) => `${metric}{view="${r.view}"} ${r.ageSeconds}`),
  ];
  if (materializeSeconds !== undefined)
    lines.push(
      `# HELP ${durationMetric} Seconds the last feast materialize-incremental took`,
      `# TYPE ${durationMetric} gauge`,
      `${durationMetric} ${materializeSeconds}`,
    );
  return `${lines.join('\n')}\n`;
}
