import { describe, expect, it } from 'vitest';
import { experimentFromSpec } from '../../../src/core/abtest/experiment-config.ts';
import { parseSpec } from '../../../src/core/spec/parse.ts';
import { editIn, problems as specProblems, VALID } from './spec-fixtures.ts';

const problems = (text: string) => specProblems(text, (spec) => experimentFromSpec(spec));

describe('kind: Experiment', () => {
  it('the shipped experiment joins the Stack: v1 vs v2 of fraud at 80/20, guardrail 2x', () => {
    const config = experimentFromSpec(parseSpec(VALID));
    expect(config).toMatchObject({
      name: 'fraud-v2-rollout',
      model: 'fraud',
      control: 'v1',
      treatment: 'v2',
      plannedWeights: { control: 80, treatment: 20 },
      primaryMetric: 'error_rate',
      higherIsBetter: false,
      evaluateEverySeconds: 5,
      rollbackWithinSeconds: 30,
    });
    expect(config.msprt).toMatchObject({ alpha: 0.05, plannedSamples: 5000, difference: 'absolute' });
    expect(config.guardrail).toMatchObject({ maxRatio: 2, alpha: 0.01 });
    expect(config.metrics[0]).toBe('error_rate');
  });

  it.each([
    [
      'a treatment that is not a variant',
      VALID.replace('treatment: v2', 'treatment: v3'),
      /spec\.treatment: "v3" is not a variant of fraud; expected one of v1, v2/,
    ],
    [
      'a model that is not in the Stack',
      VALID.replace('  model: fraud\n  control', '  model: churn\n  control'),
      /spec\.model: "churn" is not a Stack model; expected one of fraud/,
    ],
    [
      'control equal to treatment',
      VALID.replace('treatment: v2', 'treatment: v1'),
      /spec\.treatment: treatment must differ from control/,
    ],
    ['alpha of 1.5', VALID.replace('  alpha: 0.05\n', '  alpha: 1.5\n'), /spec\.alpha: alpha must be below 1/],
    [
      'a guardrail ratio of 1',
      VALID.replace('maxRatio: 2', 'maxRatio: 1'),
      /spec\.guardrail\.maxRatio: maxRatio must be above 1/,
    ],
    [
      'an unknown metric',
      VALID.replace('metrics: [error_rate,', 'metrics: [error_rte,'),
      /spec\.metrics\[0\]: must be one of error_rate, positive_rate/,
    ],
    [
      'evaluating too rarely to roll back in time',
      VALID.replace('evaluateEvery: 5s', 'evaluateEvery: 20s'),
      /spec\.evaluateEvery: 20s leaves no room to roll back within 30s/,
    ],
    [
      'a treatment with no traffic',
      VALID.replace('weight: 80', 'weight: 100').replace('weight: 20', 'weight: 0'),
      /spec\.treatment: variant "v2" has weight 0 in the Stack/,
    ],
  ])('rejects %s, naming the field', (_name, text, expected) => {
    expect(problems(text)).toMatch(expected);
  });

  it('takes a label metric as primary when the model has a LabelMonitor, and refuses it without one', () => {
    const labelled = editIn(
      'Experiment',
      'primaryMetric: { name: error_rate, better: lower }',
      'primaryMetric: { name: fraud_caught_per_1000, better: higher }',
    );
    const config = experimentFromSpec(parseSpec(labelled));
    expect(config.primaryMetric).toBe('fraud_caught_per_1000');
    expect(config.metrics[0]).toBe('fraud_caught_per_1000');
    expect(config.usesLabels).toBe(true);
    expect(experimentFromSpec(parseSpec(VALID)).usesLabels).toBe(false);
    const withoutMonitor = labelled.slice(0, labelled.indexOf('# Is the model still right?'));
    expect(problems(withoutMonitor)).toMatch(
      /spec\.primaryMetric\.name: fraud_caught_per_1000 is measured from delayed labels and needs exactly one LabelMonitor for model "fraud", found 0/,
    );
    expect(
      problems(
        editIn(
          'Experiment',
          'primaryMetric: { name: error_rate, better: lower }',
          'primaryMetric: { name: fraud_caught, better: higher }',
        ),
      ),
    ).toMatch(/primaryMetric\.name.*fraud_caught_per_1000, label_precision/);
  });
});
