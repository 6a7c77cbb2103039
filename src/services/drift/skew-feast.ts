import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FeastEnv, historicalFeatures } from '../../adapters/feast/feast-tool.ts';
import { readRows } from '../../adapters/files/tabular.ts';
import type { FeatureInput } from '../../core/drift/bins.ts';
import { compareSkew, type SkewFeature, type SkewReport, type SkewTolerance } from '../../core/drift/skew.ts';

export interface SkewFeastOptions {
  /** Gateway prediction log (JSONL: {ts, request_id, user_id, features, ...}). */
  log: string;
  feast: FeastEnv;
  /** The features to compare; only those the feature store serves are compared. */
  features: readonly SkewFeature[];
  storeFeatures: readonly string[];
  logEntityField: string;
  tolerance: SkewTolerance;
  keepLargest?: number;
}

export interface SkewFeastResult {
  report: SkewReport;
  logRows: number;
  /** Log rows without an entity id or a timestamp. */
  withoutEntity: number;
  badLines: { file: string; line: number; why: string }[];
}

/**
 * The playbook's train/serve skew check, point in time: each logged prediction's served
 * features against the features Feast's get_historical_features joins for the same user at
 * the same instant (the newest offline value at or before the prediction, within the view's
 * TTL), i.e. exactly what a training row for that prediction would have seen.
 */
export async function skewFromFeast(options: SkewFeastOptions): Promise<SkewFeastResult> {
  const badLines: SkewFeastResult['badLines'] = [];
  const served: {
    entity: string;
    requestId: string | undefined;
    ts: string;
    features: Record<string, FeatureInput>;
  }[] = [];
  let logRows = 0;
  let withoutEntity = 0;
  for await (const row of readRows(options.log, 'jsonl', (line, why) => {
    if (badLines.length < 100) badLines.push({ file: options.log, line, why });
  })) {
    logRows++;
    const id = row.record[options.logEntityField];
    const ts = row.record.ts;
    if (typeof id !== 'string' || id === '' || typeof ts !== 'string') {
      withoutEntity++;
      continue;
    }
    const requestId = row.record.request_id;
    served.push({
      entity: id,
      requestId: typeof requestId === 'string' ? requestId : undefined,
      ts,
      features: row.features,
    });
  }
  const features = options.features.filter((f) => options.storeFeatures.includes(f.name));
  if (served.length === 0)
    return { report: compareSkew([], features, options.tolerance), logRows, withoutEntity, badLines };
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-skew-'));
  try {
    const file = join(dir, 'entities.jsonl');
    writeFileSync(file, served.map((s) => `${JSON.stringify({ user_id: s.entity, ts: s.ts })}\n`).join(''));
    const offline = await historicalFeatures(options.feast, file);
    if (offline.length !== served.length)
      throw new Error(`get_historical_features returned ${offline.length} rows for ${served.length} log rows`);
    const pairs = served.map((s, i) => ({
      entity: s.entity,
      requestId: s.requestId,
      online: s.features,
      offline: (offline[i]?.features ?? {}) as Record<string, FeatureInput>,
    }));
    const report = compareSkew(pairs, features, options.tolerance, options.keepLargest);
    return { report, logRows, withoutEntity, badLines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
