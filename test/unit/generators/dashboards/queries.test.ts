import { describe, expect, it } from 'vitest';
import {
  type DashboardModel,
  dashboardQueries,
  selectionValues,
  variableSelector,
} from '../../../../src/generators/dashboards/queries.ts';

const dashboard: DashboardModel = {
  uid: 'd',
  templating: {
    list: [
      { name: 'datasource', type: 'datasource', query: 'prometheus' },
      { name: 'namespace', type: 'query', query: 'label_values(up{job="x"}, namespace)' },
      { name: 'model', type: 'custom', query: 'a,b' },
    ],
  },
  annotations: {
    list: [
      { name: 'Annotations & Alerts', builtIn: 1 },
      { name: 'runs', expr: 'changes(x[1m]) > 0' },
    ],
  },
  panels: [
    {
      id: 1,
      type: 'row',
      title: 'r',
      panels: [{ id: 2, type: 'stat', title: 'in a collapsed row', targets: [{ expr: 'b', refId: 'A' }] }],
    },
    {
      id: 3,
      type: 'timeseries',
      title: 'p',
      targets: [
        { expr: 'a', refId: 'A', legendFormat: '{{m}}' },
        { expr: 'c', refId: 'B' },
      ],
    },
  ],
};

describe('dashboardQueries', () => {
  it('finds variable selectors, annotation and panel queries (also in collapsed rows), skipping the built-in annotation', () => {
    expect(dashboardQueries(dashboard).map((q) => [q.source, q.name, q.refId, q.expr])).toEqual([
      ['variable', 'namespace', 'var', 'up{job="x"}'],
      ['annotation', 'runs', 'anno', 'changes(x[1m]) > 0'],
      ['panel', 'in a collapsed row', 'A', 'b'],
      ['panel', 'p', 'A', 'a'],
      ['panel', 'p', 'B', 'c'],
    ]);
  });

  it.each([
    ['label_values(metric, label)', 'metric', 'label'],
    ['label_values(slo:burn_rate:ratio{slo=~"$slo"}, window)', 'slo:burn_rate:ratio{slo=~"$slo"}', 'window'],
  ])('reads the selector and label of %s', (query, selector, label) => {
    expect(variableSelector(query)).toEqual({ selector, label });
  });

  it.each(['label_names()', 'query_result(up)', 'metrics(up)'])(
    'refuses %s rather than leaving it unchecked',
    (query) => {
      expect(() => variableSelector(query)).toThrow(/is not label_values/);
    },
  );
});

describe('selectionValues (what Grafana sends when every option / All is picked)', () => {
  const d: DashboardModel = {
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus' },
        { name: 'ns', type: 'query', query: 'label_values(up, namespace)', allValue: '.*' },
        { name: 'model', type: 'custom', options: [{ value: 'fraud_v1' }, { value: 'fraud_v2' }] },
        { name: 'one', type: 'custom', options: [{ value: 'a.b' }] },
      ],
    },
  };
  it('turns several options into a regex alternation, All into allValue, and escapes regex characters', () => {
    expect(selectionValues(d)).toEqual({ ns: '.*', model: '(fraud_v1|fraud_v2)', one: 'a\\\\.b' });
  });
  it('lets a caller pin a value', () => {
    expect(selectionValues(d, { ns: 'ci' }).ns).toBe('ci');
  });
});
