import { isMap, isScalar, isSeq, type Node, parseAllDocuments, type Scalar, type YAMLMap } from 'yaml';

/**
 * A promote makes the spec file say what now serves: the Stack's variants of the promoted
 * model (which Triton model each calls, its weight) are rewritten in the YAML text. Only
 * those scalars change, spliced at the source positions the `yaml` parser reports: comments,
 * flow maps, key order, quoting and every other document stay byte for byte, so the diff a
 * reviewer sees is the promote and nothing else. Pure: text in, text out.
 */
export interface VariantChange {
  tritonModel?: string;
  weight?: number;
}

export interface VariantsEdit {
  model: string;
  /** Variant name -> what it becomes. */
  variants: Record<string, VariantChange>;
}

export interface VariantsEditResult {
  text: string;
  /** "v1.tritonModel fraud_v1 -> fraud_v6", one per changed field; empty when the file already said so. */
  changes: string[];
}

export class SpecEditError extends Error {
  override readonly name = 'SpecEditError';
}

export function rewriteStackVariants(text: string, edit: VariantsEdit, file = 'the spec'): VariantsEditResult {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new SpecEditError(`${file}: not a YAML stream`);
  const stack = docs.find((d) => d.get('kind') === 'Stack');
  if (!stack) throw new SpecEditError(`${file}: no document of kind Stack; the promote cannot record its variants`);
  if (stack.errors.length > 0)
    throw new SpecEditError(`${file}: the Stack document does not parse: ${stack.errors[0]?.message}`);
  const models = stack.getIn(['spec', 'models']);
  const model = isSeq(models) ? models.items.find((m) => isMap(m) && m.get('name') === edit.model) : undefined;
  if (!isMap(model)) throw new SpecEditError(`${file}: Stack spec.models has no model "${edit.model}"`);
  const variants = model.get('variants');
  if (!isSeq(variants)) throw new SpecEditError(`${file}: Stack model "${edit.model}" has no variants list`);

  const splices: { start: number; end: number; value: string }[] = [];
  const changes: string[] = [];
  for (const [name, change] of Object.entries(edit.variants)) {
    const variant = variants.items.find((v) => isMap(v) && v.get('name') === name) as YAMLMap | undefined;
    if (!variant)
      throw new SpecEditError(
        `${file}: model "${edit.model}" has no variant "${name}" (spec.models[].variants[].name)`,
      );
    for (const field of ['tritonModel', 'weight'] as const) {
      const next = change[field];
      if (next === undefined) continue;
      const node = variant.get(field, true) as Node | undefined;
      if (!isScalar(node) || !node.range)
        throw new SpecEditError(`${file}: variant "${name}" of model "${edit.model}" has no scalar ${field}`);
      if (node.value === next) continue;
      splices.push({ start: node.range[0], end: node.range[1], value: scalarText(node, next) });
      changes.push(`${name}.${field} ${String(node.value)} -> ${next}`);
    }
  }
  let out = text;
  for (const s of splices.sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.value + out.slice(s.end);
  return { text: out, changes };
}

/** The new value in the old one's style: quoted as it was, plain where YAML reads it back as the same string. */
function scalarText(node: Scalar, value: string | number): string {
  if (typeof value === 'number') return String(value);
  if (node.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  const plain = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(value);
  if (node.type === 'QUOTE_DOUBLE' || !plain) return JSON.stringify(value);
  return value;
}
