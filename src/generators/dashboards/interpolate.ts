/**
 * Grafana's template-variable syntax, the three forms its Prometheus datasource expands
 * (grafana/public/app/features/variables/utils.ts, variableRegex): `$name`, `${name}` or
 * `${name:format}`, and the deprecated `[[name]]`.
 */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

/** Names of the template variables an expression uses, in order of first use. */
export function variablesIn(expr: string): string[] {
  const names = new Set<string>();
  for (const match of expr.matchAll(VARIABLE)) names.add((match[1] ?? match[2] ?? match[4]) as string);
  return [...names];
}

/**
 * Expands every variable from `values`, the way Grafana would before sending the query.
 * An unknown variable is an error: it would reach Prometheus as a literal `$name` and the
 * query would fail or, inside a regex matcher, silently match nothing.
 */
export function interpolate(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(VARIABLE, (whole, plain?: string, bracket?: string, _fmt?: string, braced?: string) => {
    const name = (plain ?? bracket ?? braced) as string;
    const value = values[name];
    if (value === undefined) {
      throw new Error(
        `${whole} in "${expr}" has no value; known variables: ${Object.keys(values).sort().join(', ') || '(none)'}`,
      );
    }
    return value;
  });
}
