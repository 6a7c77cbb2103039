import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rewriteStackVariants, type VariantsEdit } from '../../core/deploy/spec-variants.ts';
import { parseSpec, stackOf } from '../../core/spec/parse.ts';
import type { SpecFilePort } from './ports.ts';

/**
 * The spec file on disk as the promote's record of what serves: the Stack's variants of the
 * promoted model are rewritten in place (core/deploy/spec-variants.ts keeps every other byte),
 * the result parsed and checked as a whole spec before it replaces the file atomically, so a
 * reader (a gateway restart, `gen`) never sees half a file or an invalid one.
 */
export function specFileOnDisk(file: string): SpecFilePort {
  return {
    file,
    async recordVariants(edit: VariantsEdit) {
      const before = readFileSync(file, 'utf8');
      const { text, changes } = rewriteStackVariants(before, edit, file);
      if (changes.length === 0) return changes;
      // The edited spec must still be a valid one (weights add up to 100, names exist).
      stackOf(parseSpec(text, file));
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
      return changes;
    },
  };
}
