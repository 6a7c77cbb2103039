/** Small PromQL text builders: selectors, aggregation, numbers printed the same way everywhere. */

export type Matcher = { label: string; op: '=' | '!=' | '=~' | '!~'; value: string };

export function selector(metric: string, matchers: Matcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(',')}}`;
}

/** `a|b|c` for a regex matcher over label values (values here are plain identifiers). */
export function anyOf(values: readonly string[]): string {
  return values.join('|');
}

/** `sum by (variant) (x)` or `sum(x)` when no extra grouping. */
export function sumBy(groupBy: readonly string[], expr: string): string {
  return groupBy.length > 0 ? `sum by (${groupBy.join(', ')}) (${expr})` : `sum(${expr})`;
}

/** Numbers in rule text: no float noise (0.0004999999999999716 -> 0.0005). */
export function num(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** Label matchers of a rule's own series: slo="x" plus any fixed ones. */
export function labelMatchers(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}
