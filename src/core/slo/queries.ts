import { SLO } from '../metrics/names.ts';
import { is, selector } from '../promql/builder.ts';
import { parseDuration } from '../spec/kinds/common.ts';
import { reportWindows } from './report.ts';
import type { ResolvedSlo } from './resolve.ts';
import { outageCountWindows, SLICE_WINDOW } from './series.ts';
import { badRateExpr, errorRatioExpr, totalRateExpr } from './sli.ts';
import { formatDuration } from './windows.ts';

/**
 * What `slo report` asks Prometheus. Two sources give the same numbers:
 * - rules: the recorded series (cheap; needs alerts/slo-*.rules.yml loaded);
 * - raw: the SLI straight from the counters, the period window as one exact
 *   increase over 30d (event-weighted by construction).
 */

export type ReportSource = 'rules' | 'raw';

export interface ReportQuery {
  /** The window label the readings get; undefined when the series carry a `window` label. */
  window?: string;
  expr: string;
}

export interface ReportQueries {
  ratios: ReportQuery[];
  eventRate: string | undefined;
  /** Failed events over the guarded tiers' long windows (the outage escape of the low-traffic guard). */
  badEvents: ReportQuery[];
}

export function reportQueries(slo: ResolvedSlo, source: ReportSource): ReportQueries {
  if (source === 'rules') {
    return {
      ratios: [
        { expr: selector(SLO.errorRatio, [is('slo', slo.name), { label: 'window', op: '!=', value: SLICE_WINDOW }]) },
      ],
      eventRate: selector(SLO.eventRate, [is('slo', slo.name)]),
      badEvents: outageCountWindows(slo).length > 0 ? [{ expr: selector(SLO.badEvents, [is('slo', slo.name)]) }] : [],
    };
  }
  const { sli, groupBy } = slo;
  const windows = reportWindows(slo);
  if (sli.kind === 'ratio') {
    return {
      ratios: windows.map((w) => ({ window: w, expr: errorRatioExpr(sli, groupBy, parseDuration(w)) })),
      eventRate: totalRateExpr(sli, groupBy, 300),
      badEvents: outageCountWindows(slo).map((w) => ({
        window: formatDuration(w),
        expr: `(${badRateExpr(sli, groupBy, w)}) * ${w}`,
      })),
    };
  }
  const slice = formatDuration(sli.sliceSec);
  return {
    ratios: windows.map((w) => ({ window: w, expr: `avg_over_time((${sli.sliceBad(groupBy)})[${w}:${slice}])` })),
    eventRate: sli.throughput
      ? `sum${groupBy.length ? ` by (${groupBy.join(', ')})` : ''}(rate(${sli.throughput.total}[5m]))`
      : undefined,
    badEvents: [],
  };
}
