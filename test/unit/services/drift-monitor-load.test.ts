import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReferenceProfile } from '../../../src/adapters/files/drift-profile.ts';
import { parseSpec } from '../../../src/core/spec/parse.ts';
import { loadMonitor } from '../../../src/services/drift/monitor.ts';
import { referenceProfile } from '../core/drift/fixtures/synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'monitor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const profileFile = join(dir, 'profile.json');
writeReferenceProfile(profileFile, referenceProfile(5_000, 2));

const stack = `apiVersion: steadystate.dev/v1alpha1
kind: Stack
metadata: {name: s}
spec:
  models:
    - name: fraud
      variants: [{ name: v1, tritonModel: model_a, weight: 100 }]
`;
const monitor = (spec: string) =>
  `${stack}---\napiVersion: steadystate.dev/v1alpha1\nkind: DriftMonitor\nmetadata: {name: m}\nspec:\n${spec}`;

describe('loading a DriftMonitor against its profile and the Stack', () => {
  it('maps variants to Triton models and keeps the overrides', () => {
    const loaded = loadMonitor(
      parseSpec(monitor(`  model: fraud\n  reference: ${profileFile}\n  features:\n    amount: { ignore: true }\n`)),
      undefined,
    );
    expect(loaded.variantModels).toEqual({ v1: 'model_a' });
    expect(loaded.settings.features.amount).toEqual({ ignore: true });
  });

  it.each([
    [
      'a model the Stack does not serve',
      `  model: churn\n  reference: ${profileFile}\n`,
      /spec\.model "churn" is not a model of the Stack; expected one of fraud/,
    ],
    [
      'an override of a feature the profile lacks',
      `  model: fraud\n  reference: ${profileFile}\n  features:\n    amount_usd: { ignore: true }\n`,
      /spec\.features names amount_usd, which the reference profile .* does not have; its features are score_like, amount/,
    ],
    [
      'an override that does not fit the feature type',
      `  model: fraud\n  reference: ${profileFile}\n  features:\n    channel: { statistics: [{ statistic: wasserstein, threshold: 0.1 }] }\n`,
      /spec\.features\.channel: wasserstein does not apply to the categorical feature channel/,
    ],
    [
      'a profile that is not there',
      `  model: fraud\n  reference: ${join(dir, 'nope.json')}\n`,
      /cannot read the reference profile .*nope\.json.*steadystate drift profile/,
    ],
  ])('fails before anything runs on %s, naming it', (_name, spec, expected) => {
    expect(() => loadMonitor(parseSpec(monitor(spec)), undefined)).toThrow(expected);
  });

  it('a broken profile file names the problem and the fix', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"format": "steadystate.dev/reference-profile", "version": 1}');
    expect(() => loadMonitor(parseSpec(monitor(`  model: fraud\n  reference: ${broken}\n`)), undefined)).toThrow(
      /broken\.json is not a valid reference profile:\n {2}- source: .*rebuild it with/s,
    );
  });
});
