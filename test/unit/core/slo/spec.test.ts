import { describe, expect, it } from 'vitest';
import { alertPolicyOf, errorBudgetPoliciesOf, slosOf } from '../../../../src/core/slo/resolve.ts';
import { parseSpec } from '../../../../src/core/spec/parse.ts';
import { problems as specProblems, VALID } from '../spec-fixtures.ts';

/** The spec with the fraud-availability SLO document's body replaced. */
function withSlo(spec: string): string {
  return `${VALID}\n---\napiVersion: steadystate.dev/v1alpha1\nkind: SLO\nmetadata:\n  name: extra\nspec:\n${spec
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

const problems = (text: string) => specProblems(text, (spec) => slosOf(spec));

describe('SLO documents in steadystate.yaml', () => {
  it('resolves the shipped SLOs, the alert policy and the budget policy', () => {
    const spec = parseSpec(VALID);
    const slos = slosOf(spec);
    expect(slos.map((s) => [s.name, s.objective, s.period, s.sli.kind])).toEqual([
      ['fraud-availability', 0.9995, '30d', 'ratio'],
      ['fraud-latency', 0.99, '30d', 'ratio'],
      ['fraud-latency-noncritical', 0.99, '30d', 'ratio'],
      ['fraud-throughput', 0.99, '30d', 'timeslice'],
    ]);
    expect(slos[0]?.budget).toBe(0.0005);
    expect(slos[2]?.critical).toBe(false);
    expect(alertPolicyOf(spec).receivers.page.webhookUrl).toBe('http://127.0.0.1:9095/alerts/page');
    expect(errorBudgetPoliciesOf(spec)[0]?.spec.minBudgetRemaining).toBe(0.1);
  });

  it('counts cached and fallback answers as good by default (the playbook)', () => {
    const slo = slosOf(parseSpec(withSlo('model: fraud\nobjective: 0.999\nsli:\n  availability: {}'))).at(-1)!;
    expect(slo.sli.kind === 'ratio' && slo.sli.bad).toBe(
      'inference_requests_total{model="fraud", served_by!~"primary|cache|stale_cache|fallback_model"}',
    );
  });

  it.each([
    [
      'an unknown field',
      'model: fraud\nobjectiv: 0.99\nobjective: 0.99\nsli: {availability: {}}',
      /spec: unknown field "objectiv"/,
    ],
    [
      'an objective written as a percentage',
      'model: fraud\nobjective: 99.95\nsli: {availability: {}}',
      /spec\.objective: objective 99\.95 is not a ratio; write 0\.9995 for 99\.95%/,
    ],
    [
      'an objective of 1 (no budget)',
      'model: fraud\nobjective: 1\nsli: {availability: {}}',
      /spec\.objective: objective 1 is not a ratio/,
    ],
    [
      'a negative objective',
      'model: fraud\nobjective: -0.5\nsli: {availability: {}}',
      /spec\.objective: objective -0\.5 must be a ratio between 0 and 1/,
    ],
    [
      'an objective that can never page',
      'model: fraud\nobjective: 0.9\nsli: {availability: {}}',
      /spec\.objective: objective 0\.9 can never fire the page for 1h: it needs an error ratio above 14\.4 × 0\.1 = 1\.44.*at least 0\.930556/,
    ],
    [
      'an objective that can never page over 28 days',
      'model: fraud\nobjective: 0.92\nperiod: 28d\nsli: {availability: {}}',
      /at least 0\.925595/,
    ],
    [
      'a period typo',
      'model: fraud\nobjective: 0.99\nperiod: 30days\nsli: {availability: {}}',
      /spec\.period: period must be one of 28d, 30d/,
    ],
    [
      'a latency threshold with no histogram bucket',
      'model: fraud\nobjective: 0.99\nsli:\n  latency: {threshold: 120ms}',
      /spec\.sli\.latency\.threshold: 120ms has no bucket in inference_request_duration_seconds.*5ms, 10ms, 25ms, 50ms, 80ms, 100ms, 150ms/,
    ],
    [
      'a latency threshold that is not a duration',
      'model: fraud\nobjective: 0.99\nsli:\n  latency: {threshold: 100}',
      /spec\.sli\.latency\.threshold/,
    ],
    [
      'two SLIs at once',
      'model: fraud\nobjective: 0.99\nsli:\n  availability: {}\n  latency: {threshold: 100ms}',
      /spec\.sli: name exactly one SLI .* got availability and latency/,
    ],
    ['no SLI', 'model: fraud\nobjective: 0.99\nsli: {}', /spec\.sli: name exactly one SLI .* got none/],
    [
      'an unknown served_by tier',
      'model: fraud\nobjective: 0.99\nsli:\n  availability: {goodServedBy: [primary, cached]}',
      /spec\.sli\.availability\.goodServedBy\[1\]/,
    ],
    [
      'an events SLI that already applies rate()',
      'model: fraud\nobjective: 0.99\nsli:\n  events: {bad: "rate(x_total[5m])", total: y_total}',
      /spec\.sli\.events\.bad: must be a counter selector/,
    ],
    [
      'an events SLI with both good and bad',
      'model: fraud\nobjective: 0.99\nsli:\n  events: {good: a_total, bad: b_total, total: c_total}',
      /spec\.sli\.events: give exactly one of good or bad/,
    ],
    [
      'a time slice as long as the 5m window',
      'model: fraud\nobjective: 0.99\nsli:\n  throughput: {minRps: 5, slice: 5m}',
      /spec\.sli\.throughput\.slice: a slice must be at least 10s/,
    ],
    [
      'a model the Stack does not serve',
      'model: fraud2\nobjective: 0.99\nsli: {availability: {}}',
      /\(SLO extra\) spec\.model: "fraud2" is not a model of the Stack; expected one of fraud/,
    ],
    [
      'an unknown alerting field',
      'model: fraud\nobjective: 0.99\nsli: {availability: {}}\nalerting: {minEventRate: 1, absentFr: 5m}',
      /spec\.alerting: unknown field "absentFr"/,
    ],
  ])('rejects %s, naming the field', (_name, body, expected) => {
    expect(problems(withSlo(body))).toMatch(expected);
  });

  it.each([
    [
      'a budget policy window typo',
      'minBudgetRemaining: 0.1\nmaxBurnRate: {window: 1hour, above: 14.4}',
      /spec\.maxBurnRate\.window: window must be one of the recorded windows: 5m, 30m, 1h, 2h, 6h, 1d, 3d/,
    ],
    ['a budget policy above 100%', 'minBudgetRemaining: 1.5', /spec\.minBudgetRemaining/],
    [
      'a budget policy naming an unknown SLO',
      'slos: [fraud-availabilty]\nminBudgetRemaining: 0.1',
      /spec\.slos\[0\]: no SLO named "fraud-availabilty"/,
    ],
  ])('rejects %s, naming the field', (_name, body, expected) => {
    const text = `${VALID}\n---\napiVersion: steadystate.dev/v1alpha1\nkind: ErrorBudgetPolicy\nmetadata:\n  name: p2\nspec:\n${body
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\n`;
    expect(problems(text)).toMatch(expected);
  });

  it.each([
    [
      'a webhook that is not a URL',
      'receivers:\n    page: {webhookUrl: not-a-url}',
      /spec\.receivers\.page\.webhookUrl: must be a URL/,
    ],
    ['a second AlertPolicy', 'receivers: {}', /expected at most one AlertPolicy, found 2 \(fraud-alerting, second\)/],
  ])('rejects %s', (_name, body, expected) => {
    const text = `${VALID}\n---\napiVersion: steadystate.dev/v1alpha1\nkind: AlertPolicy\nmetadata: {name: second}\nspec:\n  ${body}\n`;
    expect(problems(text)).toMatch(expected);
  });
});
