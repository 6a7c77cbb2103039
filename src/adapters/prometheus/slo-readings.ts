import { type ReportSource, reportQueries } from '../../core/slo/queries.ts';
import type { RateReading, ReportRow, WindowReading } from '../../core/slo/report.ts';
import { buildReport } from '../../core/slo/report.ts';
import type { ResolvedSlo } from '../../core/slo/resolve.ts';
import type { PrometheusClient } from './client.ts';

/**
 * Fetches an SLO's error ratios and event rate from Prometheus and builds its report rows.
 * "No values" becomes no readings (the report says "no data"); a failed query throws.
 */
export async function reportSlo(
  client: PrometheusClient,
  slo: ResolvedSlo,
  source: ReportSource,
  time?: Date | number,
): Promise<ReportRow[]> {
  const queries = reportQueries(slo, source);
  const ratios: WindowReading[] = [];
  const results = await Promise.all(queries.ratios.map((q) => client.instant(q.expr, { time })));
  results.forEach((result, i) => {
    if (result.status !== 'values') return;
    const window = queries.ratios[i]?.window;
    for (const s of result.samples) {
      const w = window ?? s.labels.window;
      if (w !== undefined) ratios.push({ labels: s.labels, window: w, value: s.value });
    }
  });
  const rates: RateReading[] = [];
  if (queries.eventRate) {
    const result = await client.instant(queries.eventRate, { time });
    if (result.status === 'values') for (const s of result.samples) rates.push({ labels: s.labels, value: s.value });
  }
  const badEvents: WindowReading[] = [];
  const counts = await Promise.all(queries.badEvents.map((q) => client.instant(q.expr, { time })));
  counts.forEach((result, i) => {
    if (result.status !== 'values') return;
    for (const s of result.samples) {
      const w = queries.badEvents[i]?.window ?? s.labels.window;
      if (w !== undefined) badEvents.push({ labels: s.labels, window: w, value: s.value });
    }
  });
  return buildReport(slo, ratios, rates, badEvents);
}
