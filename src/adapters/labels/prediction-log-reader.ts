import { existsSync } from 'node:fs';
import type { LoggedPrediction } from '../../core/labels/join.ts';
import { readRows } from '../files/tabular.ts';

/**
 * Reads the gateway's sampled prediction log with its rotated files (path, path.1 ..
 * path.<keepFiles>, gateway/prediction-log.ts), oldest first. Lines that are not
 * prediction entries are counted, not fatal: a crash can leave a torn last line.
 */
export async function readPredictionLog(
  path: string,
  keepFiles: number,
): Promise<{ predictions: LoggedPrediction[]; badLines: number; files: string[] }> {
  const files = [...Array.from({ length: keepFiles }, (_, i) => `${path}.${keepFiles - i}`), path].filter((f) =>
    existsSync(f),
  );
  const predictions: LoggedPrediction[] = [];
  let badLines = 0;
  for (const file of files) {
    for await (const row of readRows(file, 'jsonl', () => badLines++)) {
      const r = row.record;
      if (
        typeof r.request_id !== 'string' ||
        typeof r.ts !== 'string' ||
        typeof r.model !== 'string' ||
        typeof r.variant !== 'string' ||
        typeof r.score !== 'number'
      ) {
        badLines++;
        continue;
      }
      predictions.push({
        ts: r.ts,
        request_id: r.request_id,
        model: r.model,
        variant: r.variant,
        served_by: typeof r.served_by === 'string' ? r.served_by : 'primary',
        score: r.score,
        label: r.label === 1 ? 1 : 0,
      });
    }
  }
  return { predictions, badLines, files };
}
