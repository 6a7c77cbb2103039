import { z } from 'zod';
import {
  datasetIdentity,
  modelIdentity,
  outputFormat,
  type PartRecord,
  partProblems,
  partRecord,
} from './checkpoint.ts';

/**
 * The manifest of a finished job: the parts that hold the output, in row order. Written last,
 * so its presence means the output is complete; a reader concatenates the parts.
 */
export const manifestDocument = z.strictObject({
  version: z.literal(1),
  job: z.string().min(1),
  dataset: datasetIdentity,
  model: modelIdentity,
  format: outputFormat,
  rows: z.number().int().min(0),
  columns: z.array(z.string()),
  parts: z.array(partRecord),
  /** How many runs (the first plus each resume) it took. */
  runs: z.number().int().min(1),
  completedAt: z.number(),
});
export type ManifestDocument = z.infer<typeof manifestDocument>;

/** Output columns: the input row's 0-based index (the join key back to the dataset) and the model's score. */
export const OUTPUT_COLUMNS = ['row', 'score'] as const;

/** True when the parts cover every dataset row exactly once. */
export function coversExactlyOnce(parts: readonly PartRecord[], rows: number): string[] {
  return partProblems({ parts: [...parts], rowsDone: rows, dataset: { location: '-', sha256: '0'.repeat(64), rows } });
}
