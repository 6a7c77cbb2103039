import { formatOf, readRows } from '../../adapters/files/tabular.ts';
import type { LabelProblem } from '../../core/labels/ground-truth.ts';
import type { IngestOutcome } from '../../core/labels/ingest.ts';
import { ingestLabels, type LabelMonitorContext } from './monitor.ts';

/**
 * Ingests a label file (CSV with a header `request_id,label[,labelled_at]`, or JSONL).
 * Unreadable lines join the invalid records, indexed by line number.
 */
export async function ingestLabelFile(
  ctx: LabelMonitorContext,
  file: string,
  format?: string,
): Promise<IngestOutcome & { lines: number }> {
  const records: unknown[] = [];
  const lineOf: number[] = [];
  const unreadable: LabelProblem[] = [];
  for await (const row of readRows(file, formatOf(file, format), (line, why) =>
    unreadable.push({ index: line, field: '(line)', message: `line ${line} ${why}` }),
  )) {
    records.push(row.record);
    lineOf.push(row.line);
  }
  const outcome = await ingestLabels(ctx, records);
  // Problems name the file line, not the position in the batch.
  const invalid = outcome.invalid.map((p) => ({ ...p, index: lineOf[p.index] ?? p.index }));
  return { ...outcome, invalid: [...unreadable, ...invalid], lines: records.length + unreadable.length };
}
