/**
 * The one PromQL text builder: selectors, matchers, aggregation, rates, numbers. Rules
 * (core/slo), dashboards and reports assemble their queries here, so a label value is
 * quoted the same way everywhere. They only assemble text; the rule files go through
 * promtool, the dashboards' queries through Prometheus's parser and engine.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';
export type Matcher = { label: string; op: MatchOp; value: string };

/**
 * A label value as a PromQL string literal. PromQL strings follow Go's escaping; the
 * Prometheus docs name the three a label value needs: backslash, double quote and line
 * feed (https://prometheus.io/docs/prometheus/latest/querying/basics/#string-literals,
 * exposition_formats.md "label_value can be any sequence of UTF-8 characters, but the
 * backslash (\), double-quote ("), and line feed (\n) characters have to be escaped").
 */
export function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

/** One matcher as text: `served_by!~"primary|cache"`. */
export function matcher(m: Matcher): string {
  return `${m.label}${m.op}${quote(m.value)}`;
}

export function is(label: string, value: string): string {
  return matcher({ label, op: '=', value });
}

/** `label=~"value"`: the form template variables need (multi-value and All become regexes). */
export function matches(label: string, value: string): string {
  return matcher({ label, op: '=~', value });
}

export function isNot(label: string, values: readonly string[]): string {
  return matcher({ label, op: '!~', value: anyOf(values) });
}

/** `a|b|c`: a regex matching exactly these label values (regex metacharacters escaped). */
export function anyOf(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

/** A template variable reference: `$name`. */
export function variable(name: string): string {
  return `$${name}`;
}

/** `label=~"$label"`: filter on the template variable named after the label. */
export function byVariable(label: string): string {
  return matches(label, variable(label));
}

/** `metric{a="1", b!~"x|y"}`; matchers are objects or text from `is`/`matches`/`byVariable`. */
export function selector(metric: string, matchers: readonly (Matcher | string)[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => (typeof m === 'string' ? m : matcher(m))).join(', ')}}`;
}

/** Label matchers of a rule's own series: `{slo="x", window="1h"}`. */
export function labelMatchers(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([label, value]) => is(label, value))
    .join(', ')}}`;
}

/**
 * Grafana's `$__rate_interval` is at least four scrape intervals, so a rate always sees two
 * samples (grafana.com/blog/2020/09/28/new-in-grafana-7.2-__rate_interval-for-prometheus-rate-queries-that-just-work).
 */
export const RATE_INTERVAL = '$__rate_interval';

export function rate(sel: string, window = RATE_INTERVAL): string {
  return `rate(${sel}[${window}])`;
}

/** `sum by (variant) (x)`, or `sum(x)` without grouping. */
export function sumBy(labels: readonly string[], expr: string): string {
  return aggregateBy('sum', labels, expr);
}

export function aggregateBy(op: 'sum' | 'max' | 'avg' | 'min', labels: readonly string[], expr: string): string {
  return labels.length === 0 ? `${op}(${expr})` : `${op} by (${labels.join(', ')}) (${expr})`;
}

/** Numbers in rule text: no float noise (0.0004999999999999716 -> 0.0005). */
export function num(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** The q-quantile of a histogram, per `by`, from its `_bucket` series. */
export function histogramQuantile(
  q: number,
  histogram: string,
  matchers: readonly (Matcher | string)[],
  by: readonly string[],
) {
  return `histogram_quantile(${q}, ${sumBy(['le', ...by], rate(selector(`${histogram}_bucket`, matchers)))})`;
}

/**
 * part / whole per `by`, reading 0 rather than nothing when no event matched `part`
 * (a ratio of absent series is an empty panel, which looks like an outage of the metric).
 */
export function ratioOfRates(
  metric: string,
  partMatchers: readonly (Matcher | string)[],
  wholeMatchers: readonly (Matcher | string)[],
  by: readonly string[],
): string {
  const part = sumBy(by, rate(selector(metric, partMatchers)));
  const whole = sumBy(by, rate(selector(metric, wholeMatchers)));
  return `(${part} or ${whole} * 0) / ${whole}`;
}

/** Mean per event of a cumulative counter (Triton's *_duration_us) over another counter. */
export function perEvent(
  total: string,
  events: string,
  matchers: readonly (Matcher | string)[],
  by: readonly string[],
): string {
  return `${sumBy(by, rate(selector(total, matchers)))} / ${sumBy(by, rate(selector(events, matchers)))}`;
}
