import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/adapters/process/paths.ts';
import { rewriteStackVariants, SpecEditError } from '../../../src/core/deploy/spec-variants.ts';
import { parseSpec, stackOf } from '../../../src/core/spec/parse.ts';

/** The promote's edit of the spec text: the variants change, every other byte stays. */
const shipped = readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8');
const PROMOTE = {
  model: 'fraud',
  variants: { v1: { tritonModel: 'fraud_v6', weight: 100 }, v2: { weight: 0 } },
};

describe('rewriteStackVariants', () => {
  it('rewrites the variants of the shipped spec and keeps comments, flow maps and the other documents', () => {
    const { text, changes } = rewriteStackVariants(shipped, PROMOTE);
    expect(changes).toEqual(['v1.tritonModel fraud_v1 -> fraud_v6', 'v1.weight 80 -> 100', 'v2.weight 20 -> 0']);
    const stack = stackOf(parseSpec(text, 'steadystate.yaml')).spec;
    expect(stack.models[0]?.variants).toEqual([
      { name: 'v1', tritonModel: 'fraud_v6', weight: 100 },
      { name: 'v2', tritonModel: 'fraud_v2', weight: 0 },
    ]);
    // Same length in lines, every comment line kept, only the two variant lines differ.
    const a = shipped.split('\n');
    const b = text.split('\n');
    expect(b).toHaveLength(a.length);
    expect(a.filter((l, i) => l !== b[i])).toHaveLength(2);
    expect(b.filter((l) => l.trimStart().startsWith('#'))).toEqual(a.filter((l) => l.trimStart().startsWith('#')));
  });

  it('changes nothing when the file already says so (a resumed promote)', () => {
    const once = rewriteStackVariants(shipped, PROMOTE).text;
    expect(rewriteStackVariants(once, PROMOTE)).toEqual({ text: once, changes: [] });
  });

  it('keeps a quoted value quoted, and quotes a name YAML would read as something else', () => {
    const block = [
      'kind: Stack',
      'spec:',
      '  models:',
      '    - name: fraud',
      '      variants:',
      '        - name: v1 # champion',
      "          tritonModel: 'fraud_v1'",
      '          weight: 80',
      '        - name: v2',
      '          tritonModel: fraud_v2',
      '          weight: 20',
      '',
    ].join('\n');
    const edited = rewriteStackVariants(block, {
      model: 'fraud',
      variants: { v1: { tritonModel: 'fraud_v7', weight: 100 }, v2: { tritonModel: 'true', weight: 0 } },
    }).text;
    expect(edited).toContain(
      "        - name: v1 # champion\n          tritonModel: 'fraud_v7'\n          weight: 100\n",
    );
    expect(edited).toContain('          tritonModel: "true"\n          weight: 0\n');
  });

  it.each([
    [{ ...PROMOTE, model: 'churn' }, /Stack spec\.models has no model "churn"/],
    [{ model: 'fraud', variants: { v3: { weight: 100 } } }, /model "fraud" has no variant "v3"/],
  ])('names what is missing: %j', (edit, message) => {
    expect(() => rewriteStackVariants(shipped, edit)).toThrow(SpecEditError);
    expect(() => rewriteStackVariants(shipped, edit)).toThrow(message);
  });

  it('refuses a file without a Stack document', () => {
    expect(() => rewriteStackVariants('kind: SLO\nspec: {}\n', PROMOTE, 'slo.yaml')).toThrow(
      /slo\.yaml: no document of kind Stack/,
    );
  });
});
