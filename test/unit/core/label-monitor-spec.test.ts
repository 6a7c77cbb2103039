import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { documentsOfKind, parseSpec } from '../../../src/core/spec/parse.ts';
import { editIn, problems, VALID } from './spec-fixtures.ts';

/** The holdout PR AUC of a model in README's model table (train.py writes serving/build/metrics.json). */
function readmePrAuc(model: string): number {
  const row = new RegExp(`^\\| \`${model}\` \\|.*\\| ([0-9.]+) \\|$`, 'm').exec(readFileSync('README.md', 'utf8'));
  if (!row) throw new Error(`README.md has no model-table row for ${model}`);
  return Number(row[1]);
}

describe('kind: LabelMonitor', () => {
  it('ships fraud-labels with each variant at its holdout PR AUC', () => {
    const [monitor] = documentsOfKind(parseSpec(VALID), 'LabelMonitor');
    expect(monitor?.spec).toMatchObject({ model: 'fraud', alertWindow: '7d', tolerance: 0.05, minLabels: 200 });
    expect(monitor?.spec.baselines.v1?.baseline.prAuc).toBeCloseTo(readmePrAuc('fraud_v1'), 3);
    expect(monitor?.spec.baselines.v2?.baseline.prAuc).toBeCloseTo(readmePrAuc('fraud_v2'), 3);
  });

  it('names the field: an alert window that is not reported', () => {
    expect(problems(editIn('LabelMonitor', 'alertWindow: 7d', 'alertWindow: 30d'))).toMatch(
      /spec\.alertWindow.*30d must be one of windows \(1d, 7d\)/,
    );
  });

  it('names the field: a baseline outside (0, 1]', () => {
    expect(problems(editIn('LabelMonitor', 'prAuc: 0.2144', 'prAuc: 21.44'))).toMatch(
      /baselines\.v1\.baseline\.prAuc.*\(0, 1\]/,
    );
  });

  it('names the field: a tolerance that is not a fraction', () => {
    expect(problems(editIn('LabelMonitor', 'tolerance: 0.05', 'tolerance: 5'))).toMatch(/spec\.tolerance/);
  });
});
