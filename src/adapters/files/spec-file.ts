import { readFileSync } from 'node:fs';
import { parseSpec, type Spec } from '../../core/spec/parse.ts';

export const DEFAULT_SPEC_FILE = 'steadystate.yaml';

export function loadSpecFile(file = DEFAULT_SPEC_FILE): Spec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the spec ${file}: ${(error as Error).message}; pass --spec FILE or create steadystate.yaml`,
    );
  }
  return parseSpec(text, file);
}
