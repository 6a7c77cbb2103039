import type { RowRange } from './plan.ts';

/**
 * Several batches are in flight and finish in any order, but a checkpoint may only claim a
 * gap-free prefix of the dataset: "rows [0, committed) are scored and stored". The frontier
 * keeps finished batches beyond the committed prefix until the gap before them closes.
 * Pure: every operation returns a new state.
 */
export interface Frontier {
  /** Rows [0, committed) are in stored parts named by a checkpoint. */
  readonly committed: number;
  /** Finished batches at or after `committed`, by start row. */
  readonly finished: ReadonlyMap<number, { end: number; scores: readonly number[] }>;
}

export function emptyFrontier(committed: number): Frontier {
  return { committed, finished: new Map() };
}

export function recordFinished(frontier: Frontier, range: RowRange, scores: readonly number[]): Frontier {
  if (scores.length !== range.end - range.start) {
    throw new RangeError(
      `batch [${range.start}, ${range.end}) returned ${scores.length} scores for ${range.end - range.start} rows`,
    );
  }
  if (range.start < frontier.committed || frontier.finished.has(range.start)) {
    throw new RangeError(`batch [${range.start}, ${range.end}) was already scored: a row would be scored twice`);
  }
  const finished = new Map(frontier.finished);
  finished.set(range.start, { end: range.end, scores });
  return { committed: frontier.committed, finished };
}

/** The finished rows that extend the committed prefix without a gap (the next part's content). */
export function contiguousRun(frontier: Frontier): { start: number; end: number; scores: number[] } {
  const scores: number[] = [];
  let end = frontier.committed;
  for (let next = frontier.finished.get(end); next; next = frontier.finished.get(end)) {
    scores.push(...next.scores);
    end = next.end;
  }
  return { start: frontier.committed, end, scores };
}

/** After a part [committed, end) is stored and its checkpoint written: those rows leave the frontier. */
export function commitThrough(frontier: Frontier, end: number): Frontier {
  const finished = new Map(frontier.finished);
  let at = frontier.committed;
  while (at < end) {
    const next = finished.get(at);
    if (!next) throw new RangeError(`cannot commit through row ${end}: rows from ${at} are not finished`);
    finished.delete(at);
    at = next.end;
  }
  if (at !== end) throw new RangeError(`cannot commit through row ${end}: a batch ends at ${at}`);
  return { committed: end, finished };
}

/** Rows finished but not yet committed (lost if the process dies now; scored again on resume). */
export function pendingRows(frontier: Frontier): number {
  let rows = 0;
  for (const [start, { end }] of frontier.finished) rows += end - start;
  return rows;
}
