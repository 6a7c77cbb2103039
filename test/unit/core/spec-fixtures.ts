import { readFileSync } from 'node:fs';
import { SpecValidationError } from '../../../src/core/spec/errors.ts';
import { parseSpec, type Spec } from '../../../src/core/spec/parse.ts';

/** The shipped spec: what the spec tests start from and break one field of. */
export const VALID = readFileSync('steadystate.yaml', 'utf8');

/**
 * `VALID` with one edit inside the first document of `kind` only (other kinds have windows,
 * alphas and models too): the text before it is left as it is.
 */
export function editIn(kind: string, from: string | RegExp, to: string, text = VALID): string {
  const at = text.indexOf(`kind: ${kind}`);
  if (at < 0) throw new Error(`the spec has no kind: ${kind} document`);
  return text.slice(0, at) + text.slice(at).replace(from, to);
}

/** The SpecValidationError message `check` raises on `text` (parseSpec by default); fails when it passes. */
export function problems(text: string, check: (spec: Spec) => unknown = () => undefined): string {
  try {
    check(parseSpec(text));
  } catch (error) {
    if (error instanceof SpecValidationError) return error.message;
    throw error;
  }
  throw new Error('expected a validation error');
}
