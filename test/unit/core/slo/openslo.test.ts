import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exportOpenSlo, importOpenSlo } from '../../../../src/core/slo/openslo.ts';
import { counterSelector } from '../../../../src/core/slo/openslo-v1alpha.ts';
import { resolveSlo, slosOf } from '../../../../src/core/slo/resolve.ts';
import { SpecValidationError } from '../../../../src/core/spec/errors.ts';
import { parseSpec } from '../../../../src/core/spec/parse.ts';
import { alertingRules, recordingRules } from '../../../../src/generators/alerts/rules.ts';

const SLOS = slosOf(parseSpec(readFileSync('steadystate.yaml', 'utf8')));

function roundTrip(name: string) {
  const original = SLOS.find((s) => s.name === name)!;
  const exported = stringify(exportOpenSlo(original));
  const [imported] = importOpenSlo(exported);
  return { original, exported, imported: resolveSlo(imported!) };
}

describe('OpenSLO v1 export and import', () => {
  it.each(SLOS.filter((s) => s.sli.kind === 'ratio').map((s) => [s.name]))(
    '%s survives export and import with the same recording rules',
    (name) => {
      const { original, imported } = roundTrip(name);
      expect(imported.objective).toBe(original.objective);
      expect(imported.period).toBe(original.period);
      expect(imported.critical).toBe(original.critical);
      expect(recordingRules(imported).map((r) => r.expr)).toEqual(recordingRules(original).map((r) => r.expr));
    },
  );

  it('the time-slice SLO comes back as a threshold on the same per-slice indicator', () => {
    const { original, imported } = roundTrip('fraud-throughput');
    expect(imported.sli.kind).toBe('timeslice');
    if (imported.sli.kind !== 'timeslice' || original.sli.kind !== 'timeslice') return;
    expect(imported.sli.sliceSec).toBe(60);
    expect(imported.sli.threshold).toEqual({ query: `1 - (${original.sli.sliceBad([])})`, op: 'gte', value: 1 });
    expect(imported.sli.sliceBad([])).toBe(`max ((1 - (${original.sli.sliceBad([])})) < bool 1)`);
  });

  it.each(SLOS.map((s) => [s.name]))('exporting %s again after an import gives the same document', (name) => {
    const { exported, imported } = roundTrip(name);
    const again = exportOpenSlo(imported) as { spec: Record<string, unknown> };
    const first = importOpenSlo(exported)[0]!;
    expect(again.spec.indicator).toEqual(
      (exportOpenSlo(resolveSlo(first)) as { spec: Record<string, unknown> }).spec.indicator,
    );
    expect(again.spec.objectives).toEqual(
      (exportOpenSlo(resolveSlo(first)) as { spec: Record<string, unknown> }).spec.objectives,
    );
  });

  it('writes Occurrences ratio metrics over counters and burn-rate alert policies', () => {
    const doc = exportOpenSlo(SLOS[0]!) as { apiVersion: string; spec: Record<string, unknown> };
    expect(doc.apiVersion).toBe('openslo/v1');
    expect(doc.spec.budgetingMethod).toBe('Occurrences');
    expect(doc.spec.timeWindow).toEqual([{ duration: '30d', isRolling: true }]);
    expect(JSON.stringify(doc.spec.alertPolicies)).toContain('"threshold":14.4');
  });

  it('imports an SLI referenced by indicatorRef', () => {
    const text = `apiVersion: openslo/v1
kind: SLI
metadata: {name: checkout-errors}
spec:
  ratioMetric:
    counter: true
    bad: {metricSource: {type: Prometheus, spec: {query: 'inference_requests_total{model="fraud",code=~"5.."}'}}}
    total: {metricSource: {type: Prometheus, spec: {query: 'inference_requests_total{model="fraud"}'}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: fraud-5xx}
spec:
  service: fraud
  indicatorRef: checkout-errors
  timeWindow: [{duration: 4w, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{targetPercent: 99.9}]
`;
    const [doc] = importOpenSlo(text);
    expect(doc?.spec.period).toBe('28d');
    expect(doc?.spec.objective).toBeCloseTo(0.999, 12);
    expect(doc?.spec.sli.events?.bad).toBe('inference_requests_total{model="fraud",code=~"5.."}');
  });

  const base = (spec: string) =>
    `apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: fraud\n${spec
      .trim()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\n`;
  const ratio =
    'indicator:\n  spec:\n    ratioMetric:\n      good: {metricSource: {type: Prometheus, spec: {query: a_total}}}\n      total: {metricSource: {type: Prometheus, spec: {query: b_total}}}';

  it.each([
    [
      'a calendar window',
      `${ratio}\ntimeWindow: [{duration: 1M, isRolling: false}]\nobjectives: [{target: 0.99}]`,
      /spec\.timeWindow: steadystate evaluates one rolling window of 28d or 30d/,
    ],
    [
      'two objectives',
      `${ratio}\ntimeWindow: [{duration: 30d, isRolling: true}]\nobjectives: [{target: 0.99}, {target: 0.999}]`,
      /spec\.objectives: steadystate takes exactly one objective per SLO; got 2/,
    ],
    [
      'a per-event threshold metric',
      'indicator:\n  spec:\n    thresholdMetric: {metricSource: {type: Prometheus, spec: {query: x}}}\ntimeWindow: [{duration: 30d, isRolling: true}]\nbudgetingMethod: Occurrences\nobjectives: [{op: lt, value: 500, target: 0.99}]',
      /spec\.budgetingMethod: a thresholdMetric with Occurrences is a per-event threshold/,
    ],
    [
      'a metric source that is not Prometheus',
      'indicator:\n  spec:\n    ratioMetric:\n      good: {metricSource: {type: Datadog, spec: {query: a}}}\n      total: {metricSource: {type: Prometheus, spec: {query: b_total}}}\ntimeWindow: [{duration: 30d, isRolling: true}]\nobjectives: [{target: 0.99}]',
      /spec\.indicator\.spec\.ratioMetric\.good\.metricSource\.type: "Datadog" is not Prometheus/,
    ],
    [
      'an objective that can never page',
      `${ratio}\ntimeWindow: [{duration: 30d, isRolling: true}]\nobjectives: [{target: 0.5}]`,
      /spec\.objective: objective 0\.5 can never fire/,
    ],
  ])('rejects %s, naming the field', (_name, spec, expected) => {
    expect(() => importOpenSlo(base(spec))).toThrow(SpecValidationError);
    expect(() => importOpenSlo(base(spec))).toThrow(expected);
  });
});

/**
 * OpenSLO v1alpha as Sloth publishes it: its own examples (sloth v0.16.0,
 * examples/openslo-*.yml, copied verbatim into fixtures/), hyphenated services included.
 */
describe('OpenSLO v1alpha import (Sloth)', () => {
  const fixture = (name: string) => readFileSync(`test/unit/core/slo/fixtures/sloth-openslo-${name}.yml`, 'utf8');

  it("imports Sloth's getting-started SLO: hyphenated service, windowed queries, 30-day window", () => {
    const [doc, ...rest] = importOpenSlo(fixture('getting-started'));
    expect(rest).toEqual([]);
    expect(doc?.metadata.name).toBe('sloth-slo-my-service');
    expect(doc?.spec.model).toBe('my-service');
    expect(doc?.spec.objective).toBe(0.999);
    expect(doc?.spec.period).toBe('30d');
    expect(doc?.spec.sli.events).toEqual({
      good: 'http_request_duration_seconds_count{job="myservice",code!~"(5..|429)"}',
      total: 'http_request_duration_seconds_count{job="myservice"}',
    });
  });

  it('splits objectives into one SLO each, named <name>-<index> as Sloth names them', () => {
    const docs = importOpenSlo(fixture('kubernetes-apiserver'));
    expect(docs.map((d) => [d.metadata.name, d.spec.model, d.spec.objective])).toEqual([
      ['requests-availability-openslo', 'k8s-apiserver', 0.999],
      ['requests-latency-openslo-0', 'k8s-apiserver', 0.99],
      ['requests-latency-openslo-1', 'k8s-apiserver', 0.999],
    ]);
    expect(docs[1]?.spec.sli.events?.good).toBe('apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}');
  });

  it('gives an imported SLO the low-traffic guard with its outage escape', () => {
    const [doc] = importOpenSlo(fixture('getting-started'));
    const slo = resolveSlo(doc!);
    expect(slo.alerting).toMatchObject({ minEventRate: 0.1, outageErrorRatio: 0.9, outageMinBadEvents: 5 });
    const fast = alertingRules(slo).find((r) => r.alert === 'SLOBurnRateFast');
    expect(fast?.expr).toContain('slo:bad_events:increase{slo="sloth-slo-my-service", window="1h"} >= 5');
    expect(fast?.expr).toContain('slo:sli_error:ratio_rate{slo="sloth-slo-my-service", window="5m"} >= 0.9');
  });

  it('keeps the outage escape settings through export and import', () => {
    const [doc] = importOpenSlo(fixture('getting-started'));
    const tuned = resolveSlo({
      ...doc!,
      spec: { ...doc!.spec, alerting: { ...doc!.spec.alerting, outageMinBadEvents: 12 } },
    });
    const [again] = importOpenSlo(stringify(exportOpenSlo(tuned)));
    expect(again?.spec.alerting.outageMinBadEvents).toBe(12);
    expect(again?.spec.model).toBe('my-service');
  });

  it.each([
    [
      'a query that is not a windowed counter',
      'query: histogram_quantile(0.99, sum(rate(x_bucket[{{.window}}])) by (le))',
      /spec\.objectives\[0\]\.ratioMetrics\.good\.query: .* is not a counter steadystate can window: write sum\(rate\(<counter selector>\[\{\{\.window\}\}\]\)\)/,
    ],
    [
      'a week-based window',
      'unit: Week',
      /spec\.timeWindows: steadystate evaluates one rolling window of 28 or 30 days/,
    ],
    [
      'a 7-day window',
      'count: 7',
      /spec\.timeWindows\[0\]\.count: steadystate evaluates rolling windows of 28 or 30 days; got 7/,
    ],
  ])('refuses %s, naming the field', (_name, replacement, message) => {
    const text = fixture('getting-started')
      .replace(/query: sum\(rate\(http_request_duration_seconds_count\{job="myservice",code!~[^\n]*/, replacement)
      .replace('unit: Day', replacement.startsWith('unit') ? replacement : 'unit: Day')
      .replace('count: 30', replacement.startsWith('count') ? replacement : 'count: 30');
    expect(text).not.toBe(fixture('getting-started'));
    expect(() => importOpenSlo(text)).toThrow(message);
  });

  it.each([
    ['sum(rate(a_total{x="1"}[{{.window}}]))', 'a_total{x="1"}'],
    ['rate(a_total[{{ .window }}])', 'a_total'],
    ['a_total{code=~"5.."}', 'a_total{code=~"5.."}'],
    ['sum(rate(a_total[5m]))', undefined],
    ['sum(rate(a_total[{{.window}}])) / 2', undefined],
  ])('reads the counter of %s', (query, selector) => {
    expect(counterSelector(query)).toBe(selector);
  });
});
