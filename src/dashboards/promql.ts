/**
 * Small PromQL builders, so every dashboard writes a selector, a rate and a quantile the
 * same way. They only assemble text; the lint test runs every result through Prometheus's
 * parser and the live test through its engine.
 */

/** `label=~"value"`: the form template variables need (multi-value and All become regexes). */
export function matches(label: string, value: string): string {
  return `${label}=~"${value}"`;
}

export function is(label: string, value: string): string {
  return `${label}="${value}"`;
}

export function isNot(label: string, values: readonly string[]): string {
  return `${label}!~"${values.join('|')}"`;
}

/** A template variable reference: `$name`. */
export function variable(name: string): string {
  return `$${name}`;
}

/** `label=~"$label"`: filter on the template variable named after the label. */
export function byVariable(label: string): string {
  return matches(label, variable(label));
}

export function selector(metric: string, matchers: readonly string[]): string {
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(', ')}}`;
}

/**
 * Grafana's `$__rate_interval` is at least four scrape intervals, so a rate always sees two
 * samples (grafana.com/blog/2020/09/28/new-in-grafana-7.2-__rate_interval-for-prometheus-rate-queries-that-just-work).
 */
export const RATE_INTERVAL = '$__rate_interval';

export function rate(sel: string, window = RATE_INTERVAL): string {
  return `rate(${sel}[${window}])`;
}

export function sumBy(labels: readonly string[], expr: string): string {
  return labels.length === 0 ? `sum(${expr})` : `sum by (${labels.join(', ')}) (${expr})`;
}

export function aggregateBy(op: 'max' | 'avg' | 'min', labels: readonly string[], expr: string): string {
  return labels.length === 0 ? `${op}(${expr})` : `${op} by (${labels.join(', ')}) (${expr})`;
}

/** The q-quantile of a histogram, per `by`, from its `_bucket` series. */
export function histogramQuantile(q: number, histogram: string, matchers: readonly string[], by: readonly string[]) {
  return `histogram_quantile(${q}, ${sumBy(['le', ...by], rate(selector(`${histogram}_bucket`, matchers)))})`;
}

/**
 * part / whole per `by`, reading 0 rather than nothing when no event matched `part`
 * (a ratio of absent series is an empty panel, which looks like an outage of the metric).
 */
export function ratioOfRates(
  metric: string,
  partMatchers: readonly string[],
  wholeMatchers: readonly string[],
  by: readonly string[],
): string {
  const part = sumBy(by, rate(selector(metric, partMatchers)));
  const whole = sumBy(by, rate(selector(metric, wholeMatchers)));
  return `(${part} or ${whole} * 0) / ${whole}`;
}

/** Mean per event of a cumulative counter (Triton's *_duration_us) over another counter. */
export function perEvent(total: string, events: string, matchers: readonly string[], by: readonly string[]): string {
  return `${sumBy(by, rate(selector(total, matchers)))} / ${sumBy(by, rate(selector(events, matchers)))}`;
}
