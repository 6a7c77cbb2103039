import type { CheckpointDocument, PartRecord } from './checkpoint.ts';

/**
 * Where a run starts: from row 0 without a checkpoint, else right after the checkpoint's
 * committed rows. Rows finished after the last checkpoint were never claimed by one, so they
 * are scored again, and the part holding them gets the sequence number the orphaned part (if
 * the process died between storing a part and its checkpoint) had: it is overwritten, not
 * duplicated.
 */
export interface ResumePoint {
  startRow: number;
  nextSequence: number;
  parts: PartRecord[];
  /** Runs before this one (0 for a fresh job). */
  previousRuns: number;
}

export function resumePoint(checkpoint: CheckpointDocument | undefined, previousRuns = 0): ResumePoint {
  if (!checkpoint) return { startRow: 0, nextSequence: 1, parts: [], previousRuns };
  return {
    startRow: checkpoint.rowsDone,
    nextSequence: checkpoint.sequence + 1,
    parts: [...checkpoint.parts],
    previousRuns,
  };
}

/** Fraction done and the time left at the current rate (null before any rate is known). */
export function progressOf(
  rowsDone: number,
  totalRows: number,
  rowsPerSecond: number,
): { fraction: number; etaSeconds: number | null } {
  const fraction = totalRows === 0 ? 1 : rowsDone / totalRows;
  const etaSeconds = rowsPerSecond > 0 ? (totalRows - rowsDone) / rowsPerSecond : null;
  return { fraction, etaSeconds };
}

/** Is a checkpoint due: N rows since the last one, or T seconds with at least one new row. */
export function checkpointDue(
  rowsSinceLast: number,
  secondsSinceLast: number,
  policy: { everyRows: number; everySeconds: number },
): boolean {
  if (rowsSinceLast <= 0) return false;
  return rowsSinceLast >= policy.everyRows || secondsSinceLast >= policy.everySeconds;
}
