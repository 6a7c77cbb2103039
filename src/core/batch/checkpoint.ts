import { z } from 'zod';

/**
 * The checkpoint document: what a resumed job needs to continue exactly where the last one
 * committed. It names its dataset by content hash (a renamed copy resumes, an edited file is
 * refused) and the model that scored it, so a checkpoint of another job is never continued.
 * Rows [0, rowsDone) are in `parts`, in row order, each part a contiguous range.
 */
export const CHECKPOINT_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');

export const partRecord = z.strictObject({
  /** Object key relative to the output location, e.g. parts/part-000003.csv. */
  key: z.string().min(1),
  start: z.number().int().min(0),
  end: z.number().int().min(1),
  sha256,
});
export type PartRecord = z.infer<typeof partRecord>;

export const datasetIdentity = z.strictObject({
  /** Where it was read from (for messages; the hash is the identity). */
  location: z.string().min(1),
  sha256,
  rows: z.number().int().min(0),
});
export type DatasetIdentity = z.infer<typeof datasetIdentity>;

export const modelIdentity = z.strictObject({
  /** The Triton model that scored the rows, e.g. fraud_v1. */
  tritonModel: z.string().min(1),
  /** The feature schema's column order, so a retrained model with other inputs is refused. */
  features: z.array(z.string().min(1)).min(1),
});
export type ModelIdentity = z.infer<typeof modelIdentity>;

export const outputFormat = z.enum(['csv', 'parquet']);
export type OutputFormat = z.infer<typeof outputFormat>;

export const checkpointDocument = z.strictObject({
  version: z.literal(CHECKPOINT_VERSION),
  job: z.string().min(1),
  dataset: datasetIdentity,
  model: modelIdentity,
  format: outputFormat,
  /** 1, 2, 3 ...: the part and checkpoint written after this one use sequence + 1. */
  sequence: z.number().int().min(1),
  rowsDone: z.number().int().min(0),
  parts: z.array(partRecord),
  /** Unix seconds when it was written. */
  writtenAt: z.number(),
});
export type CheckpointDocument = z.infer<typeof checkpointDocument>;

/** The pointer object: the one key a reader looks up; it moves only after the checkpoint it names is stored. */
export const checkpointPointer = z.strictObject({
  version: z.literal(CHECKPOINT_VERSION),
  checkpoint: z.string().min(1),
  sequence: z.number().int().min(1),
});
export type CheckpointPointer = z.infer<typeof checkpointPointer>;

/** Layout under the output location. */
export const OUTPUT_KEYS = {
  pointer: 'checkpoints/LATEST.json',
  checkpoint: (sequence: number) => `checkpoints/checkpoint-${String(sequence).padStart(6, '0')}.json`,
  part: (sequence: number, format: OutputFormat) =>
    `parts/part-${String(sequence).padStart(6, '0')}.${format === 'csv' ? 'csv' : 'parquet'}`,
  manifest: 'manifest.json',
} as const;

/** A checkpoint document's problems as one sentence each ("parts.2.end: ..."), or the parsed document. */
export function parseCheckpoint(
  value: unknown,
): { ok: true; checkpoint: CheckpointDocument } | { ok: false; problems: string[] } {
  const parsed = checkpointDocument.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`),
    };
  }
  const problems = partProblems(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, checkpoint: parsed.data };
}

/** The parts must tile [0, rowsDone) in order: no gap (a lost row), no overlap (a duplicate). */
export function partProblems(doc: Pick<CheckpointDocument, 'parts' | 'rowsDone' | 'dataset'>): string[] {
  const problems: string[] = [];
  let at = 0;
  doc.parts.forEach((part, i) => {
    if (part.start !== at) {
      problems.push(
        `parts.${i}: starts at row ${part.start}, expected ${at} (${part.start > at ? 'rows missing' : 'rows scored twice'})`,
      );
    }
    if (part.end <= part.start) problems.push(`parts.${i}: end ${part.end} is not after start ${part.start}`);
    at = part.end;
  });
  if (at !== doc.rowsDone) problems.push(`rowsDone: ${doc.rowsDone}, but the parts end at row ${at}`);
  if (doc.rowsDone > doc.dataset.rows) {
    problems.push(`rowsDone: ${doc.rowsDone} is more than the dataset's ${doc.dataset.rows} rows`);
  }
  return problems;
}

export interface JobIdentity {
  dataset: DatasetIdentity;
  model: ModelIdentity;
  format: OutputFormat;
}

/**
 * Why this checkpoint belongs to another job, or undefined when it is this job's. A foreign
 * checkpoint must never be continued: its rows would be stitched onto another dataset's.
 */
export function foreignReason(checkpoint: CheckpointDocument, job: JobIdentity): string | undefined {
  if (checkpoint.dataset.sha256 !== job.dataset.sha256) {
    return `it was written for dataset ${checkpoint.dataset.location} (sha256 ${checkpoint.dataset.sha256.slice(0, 12)}…, ${checkpoint.dataset.rows} rows), but ${job.dataset.location} has sha256 ${job.dataset.sha256.slice(0, 12)}… (${job.dataset.rows} rows)`;
  }
  if (checkpoint.model.tritonModel !== job.model.tritonModel) {
    return `it was scored by model ${checkpoint.model.tritonModel}, this job scores with ${job.model.tritonModel}`;
  }
  if (checkpoint.model.features.join(',') !== job.model.features.join(',')) {
    return `its model took the features [${checkpoint.model.features.join(', ')}], the feature schema now lists [${job.model.features.join(', ')}]`;
  }
  if (checkpoint.format !== job.format) {
    return `its parts are ${checkpoint.format}, this job writes ${job.format}`;
  }
  return undefined;
}
