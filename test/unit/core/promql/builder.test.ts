import { describe, expect, it } from 'vitest';
import { anyOf, is, labelMatchers, matches, quote, selector } from '../../../../src/core/promql/builder.ts';

/**
 * The one PromQL builder (rules and dashboards). Before it, the dashboards' builder pasted
 * label values unescaped and the rules' used JSON.stringify; a value with a quote or a
 * backslash broke the dashboard query.
 */
describe('the PromQL builder', () => {
  it.each([
    ['a plain value', 'fraud', '"fraud"'],
    ['a double quote', 'say "hi"', '"say \\"hi\\""'],
    ['a backslash', 'C:\\models', '"C:\\\\models"'],
    ['a line feed', 'a\nb', '"a\\nb"'],
    ['a template variable', '$model', '"$model"'],
    ['unicode as itself', 'modèle', '"modèle"'],
  ])('quotes %s as the Prometheus string literal rules require', (_name, value, literal) => {
    expect(quote(value)).toBe(literal);
  });

  it('builds the same selector from matcher objects and from matcher text', () => {
    expect(selector('x_total', [{ label: 'model', op: '=', value: 'a"b' }, matches('variant', '$variant')])).toBe(
      'x_total{model="a\\"b", variant=~"$variant"}',
    );
    expect(selector('x_total', [is('model', 'a"b')])).toBe('x_total{model="a\\"b"}');
    expect(selector('x_total', [])).toBe('x_total');
  });

  it('escapes regex metacharacters in a list of exact values', () => {
    expect(anyOf(['primary', 'v1.2', 'a|b'])).toBe('primary|v1\\.2|a\\|b');
    expect(selector('x', [{ label: 'model', op: '=~', value: anyOf(['v1.2']) }])).toBe('x{model=~"v1\\\\.2"}');
  });

  it("quotes a rule's own labels the same way", () => {
    expect(labelMatchers({ slo: 'my "slo"', window: '1h' })).toBe('{slo="my \\"slo\\"", window="1h"}');
  });
});
