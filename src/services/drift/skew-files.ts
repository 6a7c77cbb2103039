import { readRows } from '../../adapters/files/tabular.ts';
import type { FeatureInput } from '../../core/drift/bins.ts';
import {
  compareSkew,
  type SkewFeature,
  type SkewPair,
  type SkewReport,
  type SkewTolerance,
} from '../../core/drift/skew.ts';

export interface SkewFilesOptions {
  /** Gateway prediction log (JSONL: {request_id, user_id, features, score, variant, served_by}). */
  log: string;
  /** Offline features (CSV with a header, one row per entity). */
  offline: string;
  features: readonly SkewFeature[];
  /** Entity id field in the log and column in the offline file. */
  logEntityField: string;
  offlineEntityColumn: string;
  tolerance: SkewTolerance;
  keepLargest?: number;
}

export interface SkewFilesResult {
  report: SkewReport;
  logRows: number;
  offlineRows: number;
  /** Log rows whose entity the offline file lacks. */
  unmatched: number;
  /** Log rows without an entity id. */
  withoutEntity: number;
  /** Entities listed more than once offline (the last row wins). */
  duplicateOfflineEntities: number;
  badLines: { file: string; line: number; why: string }[];
}

/** Joins the prediction log with offline features by entity id and compares them. */
export async function skewFromFiles(options: SkewFilesOptions): Promise<SkewFilesResult> {
  const badLines: SkewFilesResult['badLines'] = [];
  const onBad = (file: string) => (line: number, why: string) => {
    if (badLines.length < 100) badLines.push({ file, line, why });
  };
  const offline = new Map<string, Record<string, FeatureInput>>();
  let offlineRows = 0;
  let duplicateOfflineEntities = 0;
  let offlineHasEntity = false;
  for await (const row of readRows(options.offline, 'csv', onBad(options.offline))) {
    offlineRows++;
    const id = row.record[options.offlineEntityColumn];
    if (id === undefined) continue;
    offlineHasEntity = true;
    const key = String(id).trim();
    if (offline.has(key)) duplicateOfflineEntities++;
    offline.set(key, row.features);
  }
  if (offlineRows > 0 && !offlineHasEntity) {
    throw new Error(`${options.offline} has no "${options.offlineEntityColumn}" column; pass --entity-column NAME`);
  }
  let logRows = 0;
  let unmatched = 0;
  let withoutEntity = 0;
  const pairs: SkewPair[] = [];
  for await (const row of readRows(options.log, 'jsonl', onBad(options.log))) {
    logRows++;
    const id = row.record[options.logEntityField] ?? row.features[options.logEntityField];
    if (id === undefined || id === null || id === '') {
      withoutEntity++;
      continue;
    }
    const match = offline.get(String(id).trim());
    if (!match) {
      unmatched++;
      continue;
    }
    const requestId = row.record.request_id;
    pairs.push({
      entity: String(id),
      requestId: requestId === undefined ? undefined : String(requestId),
      online: row.features,
      offline: match,
    });
  }
  const report = compareSkew(pairs, options.features, options.tolerance, options.keepLargest);
  return { report, logRows, offlineRows, unmatched, withoutEntity, duplicateOfflineEntities, badLines };
}
