import { parseAllDocuments } from 'yaml';
import { fromZodIssues, type SpecIssue, SpecValidationError } from './errors.ts';
import { API_VERSION } from './kinds/common.ts';
import { DOCUMENT_KINDS, type DocumentKind, type DocumentOf, type SpecDocument } from './kinds/index.ts';

/** A validated steadystate.yaml: every document, checked against its kind's schema. */
export interface Spec {
  file: string;
  documents: SpecDocument[];
}

/**
 * Parses and validates the text of steadystate.yaml (pure: the caller reads the file).
 * Collects every problem before failing, so one run names them all.
 */
export function parseSpec(text: string, file = 'steadystate.yaml'): Spec {
  const issues: SpecIssue[] = [];
  const documents: SpecDocument[] = [];
  const parsed = parseAllDocuments(text, { prettyErrors: true });
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        issues.push({ document: index, kind: undefined, name: undefined, path: '', message: `YAML: ${e.message}` });
      }
      return;
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return; // an empty document (e.g. a trailing ---)
    if (typeof value !== 'object' || Array.isArray(value)) {
      issues.push({
        document: index,
        kind: undefined,
        name: undefined,
        path: '',
        message: 'a document must be a mapping with apiVersion, kind, metadata and spec',
      });
      return;
    }
    const record = value as { kind?: unknown; metadata?: { name?: unknown } };
    const kind = typeof record.kind === 'string' ? record.kind : undefined;
    const name = typeof record.metadata?.name === 'string' ? record.metadata.name : undefined;
    const where = { document: index, kind, name };
    if (!kind || !(kind in DOCUMENT_KINDS)) {
      issues.push({
        ...where,
        path: 'kind',
        message: `${kind ? `unknown kind "${kind}"` : 'kind is missing'}; expected one of ${Object.keys(DOCUMENT_KINDS).join(', ')} (apiVersion ${API_VERSION})`,
      });
      return;
    }
    const result = DOCUMENT_KINDS[kind as DocumentKind].safeParse(value);
    if (!result.success) {
      issues.push(...fromZodIssues(result.error.issues, where));
      return;
    }
    documents.push(result.data as SpecDocument);
  });
  const seen = new Map<string, number>();
  documents.forEach((doc, i) => {
    const key = `${doc.kind}/${doc.metadata.name}`;
    if (seen.has(key)) {
      issues.push({
        document: i,
        kind: doc.kind,
        name: doc.metadata.name,
        path: 'metadata.name',
        message: `${key} is defined twice; names must be unique per kind`,
      });
    }
    seen.set(key, i);
  });
  if (issues.length > 0) throw new SpecValidationError(file, issues);
  return { file, documents };
}

export function documentsOfKind<K extends DocumentKind>(spec: Spec, kind: K): DocumentOf<K>[] {
  return spec.documents.filter((d) => d.kind === kind) as DocumentOf<K>[];
}

/** The single Stack document (required). */
export function stackOf(spec: Spec): DocumentOf<'Stack'> {
  const stacks = documentsOfKind(spec, 'Stack');
  if (stacks.length !== 1) {
    throw new SpecValidationError(spec.file, [
      {
        document: 0,
        kind: 'Stack',
        name: undefined,
        path: '',
        message: `expected exactly one Stack document, found ${stacks.length}`,
      },
    ]);
  }
  return stacks[0] as DocumentOf<'Stack'>;
}
