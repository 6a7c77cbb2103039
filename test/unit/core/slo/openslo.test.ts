import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exportOpenSlo, importOpenSlo } from '../../../../src/core/slo/openslo.ts';
import { resolveSlo, slosOf } from '../../../../src/core/slo/resolve.ts';
import { recordingRules } from '../../../../src/core/slo/rules.ts';
import { SpecValidationError } from '../../../../src/core/spec/errors.ts';
import { parseSpec } from '../../../../src/core/spec/parse.ts';

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
