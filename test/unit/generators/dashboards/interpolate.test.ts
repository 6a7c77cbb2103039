// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Grafana's ${name} syntax is what these tests are about.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpolate, variablesIn } from '../../../../src/generators/dashboards/interpolate.ts';

describe('Grafana template-variable interpolation', () => {
  it.each([
    ['$name', 'up{ns=~"$namespace"}', { namespace: '.*' }, 'up{ns=~".*"}'],
    ['${name}', 'up{ns=~"${namespace}"}', { namespace: 'prod' }, 'up{ns=~"prod"}'],
    ['${name:format}', 'up{ns=~"${namespace:regex}"}', { namespace: '(a|b)' }, 'up{ns=~"(a|b)"}'],
    ['[[name]]', 'up{ns=~"[[namespace]]"}', { namespace: 'x' }, 'up{ns=~"x"}'],
    [
      'built-ins next to a variable',
      'rate(a{m=~"$model"}[$__rate_interval])',
      { model: 'm1', __rate_interval: '1m' },
      'rate(a{m=~"m1"}[1m])',
    ],
    [
      'a prefix of another name is not confused with it',
      '$model $model_version',
      { model: 'a', model_version: 'b' },
      'a b',
    ],
  ])('expands %s', (_form, expr, values, expected) => {
    expect(interpolate(expr, values)).toBe(expected);
  });

  it('names an unknown variable and the known ones', () => {
    expect(() => interpolate('up{a=~"$nope"}', { model: 'x' })).toThrow(
      /\$nope .*has no value; known variables: model/,
    );
  });

  it('lists the variables an expression uses, once each', () => {
    expect(variablesIn('a{x=~"$x", y=~"${y}"} / b{x=~"$x"}[$__rate_interval]')).toEqual(['x', 'y', '__rate_interval']);
  });

  it('leaves no variable behind for any expression built from known names (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z_]{0,8}$/);
    fc.assert(
      // Separators are non-word characters: `$model` followed by a letter would be another variable.
      fc.property(
        fc.array(name, { minLength: 1, maxLength: 5 }),
        fc.stringMatching(/^[ +*/(),=~"]{1,5}$/),
        (names, sep) => {
          const expr = names.map((n, i) => (i % 2 === 0 ? `$${n}` : `\${${n}}`)).join(sep);
          const values = Object.fromEntries(names.map((n) => [n, 'V']));
          const out = interpolate(expr, values);
          expect(variablesIn(out)).toEqual([]);
        },
      ),
    );
  });
});
