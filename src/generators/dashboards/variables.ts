import {
  CustomVariableBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * Every panel and query points at the `datasource` template variable, never at a uid: a
 * dashboard imported into another Grafana works with whatever Prometheus it has.
 */
export const DATASOURCE = { type: 'prometheus', uid: '$' + '{datasource}' } as const;

/** Grafana's "All" option; `.*` also matches series without the label (e.g. no namespace locally). */
export const ALL_VALUE = '.*';
const ALL = { text: 'All', value: '$__all', selected: true };

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('prometheus')
    .description('The Prometheus (or Thanos/Mimir) that scrapes the gateway, Triton and the steadystate services');
}

/** A variable whose options are the values of `label` on the series `metricSelector` selects. */
export function labelVariable(
  name: string,
  label: string,
  metricSelector: string,
  description: string,
): QueryVariableBuilder {
  const query = `label_values(${metricSelector}, ${label})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(ALL_VALUE)
    .current(ALL);
}

/**
 * A variable whose options come from steadystate.yaml (models and variants of the Stack):
 * the dashboard offers exactly what the spec serves. `text` is what the picker shows.
 */
export function specVariable(
  name: string,
  label: string,
  options: ReadonlyArray<{ text: string; value: string }>,
  description: string,
): CustomVariableBuilder {
  const query = options.map((o) => (o.text === o.value ? o.value : `${o.text} : ${o.value}`)).join(',');
  return new CustomVariableBuilder(name)
    .label(label)
    .description(description)
    .values(query)
    .options(options.map((o) => ({ text: o.text, value: o.value, selected: false })))
    .multi(true)
    .includeAll(true)
    .allValue(ALL_VALUE)
    .current(ALL);
}
