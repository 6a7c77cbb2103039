import { describe, expect, it } from 'vitest';
import { parseSpec, stackOf } from '../../../src/core/spec/parse.ts';
import { problems, VALID } from './spec-fixtures.ts';

describe('steadystate.yaml validation', () => {
  it('accepts the shipped spec and fills defaults', () => {
    const stack = stackOf(parseSpec(VALID));
    expect(stack.spec.models[0]?.variants.map((v) => v.weight)).toEqual([80, 20]);
    expect(stack.spec.cache.backend).toBe('memory');
  });

  it.each([
    [
      'an unknown field names the field',
      VALID.replace('deadline: 80ms', 'deadlin: 80ms'),
      /spec\.models\[0\].*unknown field "deadlin"/,
    ],
    ['weights that do not add to 100', VALID.replace('weight: 20', 'weight: 30'), /variants: weights add up to 110/],
    ['a duration typo', VALID.replace('ttl: 60s', 'ttl: 60 seconds'), /spec\.cache\.ttl: must be a duration/],
    [
      'an unknown kind',
      `${VALID}\n---\napiVersion: steadystate.dev/v1alpha1\nkind: Slo\nmetadata: {name: x}\nspec: {}\n`,
      /document \d+ \(Slo x\).*unknown kind "Slo"/,
    ],
    [
      'a wrong apiVersion',
      VALID.replace('steadystate.dev/v1alpha1', 'v1'),
      /apiVersion must be "steadystate.dev\/v1alpha1"/,
    ],
    ['broken YAML', 'kind: [', /YAML:/],
  ])('rejects %s', (_name, text, expected) => {
    expect(problems(text)).toMatch(expected);
  });
});
