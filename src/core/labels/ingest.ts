import { type GroundTruth, isProblem, type LabelProblem, parseGroundTruth } from './ground-truth.ts';

/**
 * Where a label's request id stands against the sampled prediction log:
 * - `logged`: the prediction is in the log, the label can be joined;
 * - `unsampled`: the id hashes outside the log's sample (99% of them at 1%): expected, counted;
 * - `unknown`: it should have been sampled but is not in the log (a wrong id, or a log that
 *   rotated away): reported back by id, never dropped silently.
 */
export type IdStatus = 'logged' | 'unsampled' | 'unknown';

/** Ids reported back at most (the counts are always complete). */
export const MAX_REPORTED_IDS = 100;

export interface IngestOutcome {
  /** New labels to append to the store. */
  accepted: GroundTruth[];
  /** Already stored with the same label, or repeated in this batch: counted once. */
  duplicates: number;
  /** Already stored with the other label: the first one stands, these are reported. */
  conflicts: { request_id: string; stored: 0 | 1; sent: 0 | 1 }[];
  unknown: { count: number; ids: string[] };
  unsampled: number;
  invalid: LabelProblem[];
}

/**
 * Idempotent ingestion, pure: decides what of a batch is new. A label sent twice counts
 * once; a conflicting relabel keeps the first (the store is append-only, an audit trail).
 */
export function planIngest(
  batch: readonly unknown[],
  context: { stored: ReadonlyMap<string, GroundTruth>; status: (requestId: string) => IdStatus; now: string },
): IngestOutcome {
  const outcome: IngestOutcome = {
    accepted: [],
    duplicates: 0,
    conflicts: [],
    unknown: { count: 0, ids: [] },
    unsampled: 0,
    invalid: [],
  };
  const seen = new Map<string, 0 | 1>();
  batch.forEach((raw, index) => {
    const parsed = parseGroundTruth(raw, index, context.now);
    if (isProblem(parsed)) {
      outcome.invalid.push(parsed);
      return;
    }
    const previous = context.stored.get(parsed.request_id)?.label ?? seen.get(parsed.request_id);
    if (previous !== undefined) {
      if (previous === parsed.label) outcome.duplicates++;
      else outcome.conflicts.push({ request_id: parsed.request_id, stored: previous, sent: parsed.label });
      return;
    }
    const status = context.status(parsed.request_id);
    if (status === 'unsampled') {
      outcome.unsampled++;
      return;
    }
    if (status === 'unknown') {
      outcome.unknown.count++;
      if (outcome.unknown.ids.length < MAX_REPORTED_IDS) outcome.unknown.ids.push(parsed.request_id);
      return;
    }
    seen.set(parsed.request_id, parsed.label);
    outcome.accepted.push(parsed);
  });
  return outcome;
}
