import { describe, expect, it } from 'vitest';
import { driftSettingsOf } from '../../../src/core/spec/kinds/drift-monitor.ts';
import { documentsOfKind, parseSpec } from '../../../src/core/spec/parse.ts';
import { editIn, problems, VALID } from './spec-fixtures.ts';

describe('kind: DriftMonitor', () => {
  it('the shipped monitor for fraud: Evidently defaults, 10% on P(fraud=1), 1h window, 1000 rows', () => {
    const [monitor] = documentsOfKind(parseSpec(VALID), 'DriftMonitor');
    const settings = driftSettingsOf(monitor?.spec as NonNullable<typeof monitor>['spec']);
    expect(monitor?.spec.window).toBe('1h');
    expect(settings.minSamples).toBe(1000);
    expect(settings.rules.numeric).toEqual([
      { statistic: 'wasserstein', threshold: 0.1 },
      { statistic: 'psi', threshold: 0.1 },
    ]);
    expect(settings.predictions).toMatchObject({ label: '1', tolerance: 0.1, alpha: 0.01 });
  });

  it('fills every default from a minimal document', () => {
    const spec = parseSpec(
      `${VALID.split('---')[0]}---\napiVersion: steadystate.dev/v1alpha1\nkind: DriftMonitor\nmetadata: {name: minimal}\nspec: {model: fraud}\n`,
    );
    const [monitor] = documentsOfKind(spec, 'DriftMonitor');
    expect(monitor?.spec.reference).toBe('serving/model_repository/reference_profile.json');
    expect(monitor?.spec.statistics.categorical.map((r) => r.statistic)).toEqual(['jensenshannon', 'category_share']);
  });

  it.each([
    [
      'a statistic that does not apply to the feature type',
      editIn(
        'DriftMonitor',
        '{ statistic: jensenshannon, threshold: 0.1 }',
        '{ statistic: wasserstein, threshold: 0.1 }',
      ),
      /statistics\.categorical\[0\]\.statistic: wasserstein does not apply to categorical features/,
    ],
    [
      'a p-value test as a verdict statistic',
      editIn('DriftMonitor', '{ statistic: psi, threshold: 0.1 }', '{ statistic: ks, threshold: 0.05 }'),
      /statistic must be one of .*p-values are reported, never decide/,
    ],
    [
      'a threshold of 0',
      editIn('DriftMonitor', '{ statistic: psi, threshold: 0.1 }', '{ statistic: psi, threshold: 0 }'),
      /threshold must be > 0/,
    ],
    [
      'a window that is not a duration',
      editIn('DriftMonitor', 'window: 1h', 'window: hourly'),
      /spec\.window: must be a duration/,
    ],
    ['alpha outside (0, 1)', editIn('DriftMonitor', 'alpha: 0.01', 'alpha: 1.5'), /spec\.predictions\.alpha/],
    ['an unknown field', editIn('DriftMonitor', 'minSamples: 1000', 'minSample: 1000'), /unknown field "minSample"/],
  ])('rejects %s, naming the field', (_name, text, expected) => {
    expect(problems(text)).toMatch(expected);
  });
});
