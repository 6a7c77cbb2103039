import type { z } from 'zod';

/** One problem in steadystate.yaml, located by document and field path. */
export interface SpecIssue {
  /** 0-based index of the YAML document in the file. */
  document: number;
  kind: string | undefined;
  name: string | undefined;
  /** Dotted field path inside the document, e.g. `spec.objective`. */
  path: string;
  message: string;
}

export class SpecValidationError extends Error {
  override readonly name = 'SpecValidationError';
  readonly issues: SpecIssue[];
  readonly file: string;

  constructor(file: string, issues: SpecIssue[]) {
    super(
      `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((i) => `  - ${formatLocation(i)}: ${i.message}`).join('\n'),
    );
    this.issues = issues;
    this.file = file;
  }
}

export function formatLocation(issue: SpecIssue): string {
  const doc = `document ${issue.document + 1}${issue.kind ? ` (${issue.kind}${issue.name ? ` ${issue.name}` : ''})` : ''}`;
  return issue.path ? `${doc} ${issue.path}` : doc;
}

export function zodPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** Turns zod issues into messages that name the field, what it got and what fits. */
export function fromZodIssues(
  issues: z.core.$ZodIssue[],
  where: { document: number; kind: string | undefined; name: string | undefined },
): SpecIssue[] {
  return issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling (see steadystate.schema.json)`;
    }
    return { ...where, path: zodPath(issue.path), message };
  });
}
