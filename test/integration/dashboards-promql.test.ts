import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import { describeQuery, resolvedQueries, shippedDashboards } from './fixtures/dashboards.ts';
import { type PrometheusApi, prometheusApi } from './fixtures/prometheus-api.ts';

/**
 * Every dashboard query goes through a real Prometheus 2.42 parser and engine
 * (/api/v1/query): a syntax error comes back as 400 bad_data, a type error (e.g. a range
 * vector where an instant one is needed) as 400 too. Run twice: with All picked for every
 * variable and with every spec option picked (the `(a|b)` form Grafana writes).
 */
const BUILTINS = { __rate_interval: '1m', __interval: '15s', __range: '1h' };
const dashboards = shippedDashboards();
const cases = [
  ...resolvedQueries(dashboards, BUILTINS, { namespace: '.*' }).map((q) => ({ ...q, selection: 'All' })),
  ...resolvedQueries(dashboards, BUILTINS, { namespace: 'steadystate' }).map((q) => ({
    ...q,
    selection: 'every option',
  })),
].map((q) => ({ ...q, title: `${describeQuery(q)} (${q.selection})` }));

describe('every dashboard query parses and evaluates in Prometheus', () => {
  let server: PrometheusServer;
  let prometheus: PrometheusApi;
  beforeAll(async () => {
    server = await startPrometheus();
    prometheus = prometheusApi(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('covers every panel, annotation and variable query', () => {
    const sources = new Set(cases.map((c) => c.source));
    expect([...sources].sort()).toEqual(['annotation', 'panel', 'variable']);
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases)('$title', async ({ promql }) => {
    const res = await prometheus.query(promql);
    expect(res, `${promql}\n${res.error ?? ''}`).toMatchObject({ httpStatus: 200, status: 'success' });
  });

  it.each([
    ['an unclosed parenthesis', 'sum(rate(inference_requests_total[1m])'],
    ['a selector with neither a name nor a non-empty matcher', '{namespace=~".*"}'],
    ['a template variable left unexpanded', 'rate(inference_requests_total[$__rate_interval])'],
    ['a range vector where an instant vector is needed', 'sum(inference_requests_total[1m])'],
  ])('the check itself rejects %s (400 bad_data)', async (_name, promql) => {
    const res = await prometheus.query(promql);
    expect(res).toMatchObject({ httpStatus: 400, status: 'error', errorType: 'bad_data' });
  });
});
