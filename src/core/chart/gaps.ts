/** A point of a time series: [time, value] (the unit of time is the caller's). */
export type XY = readonly [number, number];

/**
 * Splits a series at gaps: a non-finite value (NaN = no data, ±Inf) ends a line instead of
 * being drawn as 0, as Grafana does with spanNulls off. Both the report and the dashboard
 * previews draw one path per run.
 */
export function segments(points: readonly XY[]): Array<Array<XY>> {
  const out: Array<Array<XY>> = [];
  let current: Array<XY> = [];
  for (const p of points) {
    if (Number.isFinite(p[1]) && Number.isFinite(p[0])) current.push(p);
    else if (current.length > 0) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}
