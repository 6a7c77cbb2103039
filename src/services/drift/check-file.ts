import { existsSync, statSync } from 'node:fs';
import { readRows, type TabularFormat } from '../../adapters/files/tabular.ts';
import type { FeatureInput } from '../../core/drift/bins.ts';
import { type DriftSettings, detectDrift } from '../../core/drift/detect.ts';
import type { ReferenceProfile } from '../../core/drift/profile.ts';
import type { DriftReport } from '../../core/drift/verdict.ts';
import { StreamAccumulator } from '../../core/drift/window.ts';
import { DEFAULT_PREDICTION_FIELDS, isOtherModel, type PredictionFields, predictionOf } from './stream-rows.ts';

export interface CheckFileOptions {
  file: string;
  format: TabularFormat;
  profile: ReferenceProfile;
  settings: DriftSettings;
  variantModels: Readonly<Record<string, string>>;
  fields?: PredictionFields;
  /** Current values kept per numeric feature for the exact tests (KS). */
  sampleSize?: number;
  /** Skip rows whose `model` field names another model (shared prediction logs). */
  model?: string;
}

export interface CheckFileResult {
  report: DriftReport;
  rows: number;
  badLines: { line: number; why: string }[];
  unknownFeatures: string[];
}

/** The in-process path: stream a batch file through the profile's bins, then judge it. */
export async function checkFile(options: CheckFileOptions): Promise<CheckFileResult> {
  if (!existsSync(options.file) || !statSync(options.file).isFile()) {
    throw new Error(`cannot read ${options.file}: no such file; pass --current FILE (CSV with a header, or JSONL)`);
  }
  const fields = options.fields ?? DEFAULT_PREDICTION_FIELDS;
  const accumulator = new StreamAccumulator(options.profile, { sampleSize: options.sampleSize ?? 5000, seed: 1 });
  const badLines: CheckFileResult['badLines'] = [];
  const featureNames = new Set(options.profile.features.map((f) => f.name));
  const ignored = new Set([
    ...Object.values(fields),
    'request_id',
    'user_id',
    'entity_id',
    'served_by',
    'features',
    'stale',
    'model',
  ]);
  let rows = 0;
  const unknown = new Set<string>();
  const seen = new Set<string>();
  for await (const row of readRows(options.file, options.format, (line, why) => {
    if (badLines.length < 100) badLines.push({ line, why });
  })) {
    if (isOtherModel(row.record, options.model)) continue;
    rows++;
    accumulator.add(pick(row.features, featureNames, unknown, ignored, seen));
    const prediction = predictionOf(row.record, fields, options.profile, options.variantModels);
    if (prediction) accumulator.addPrediction(prediction);
  }
  const window = accumulator.snapshot();
  if (rows > 0) window.absent = [...featureNames].filter((name) => !seen.has(name));
  const report = detectDrift(options.profile, options.settings, window, options.variantModels);
  report.unknownFeatures = [...unknown].sort();
  return { report, rows, badLines, unknownFeatures: report.unknownFeatures };
}

function pick(
  features: Record<string, unknown>,
  known: Set<string>,
  unknown: Set<string>,
  ignored: Set<string>,
  seen: Set<string>,
): Record<string, FeatureInput> {
  const out: Record<string, FeatureInput> = {};
  for (const [name, value] of Object.entries(features)) {
    if (known.has(name)) {
      seen.add(name);
      // objects and arrays are not feature values: count them as missing
      out[name] = typeof value === 'object' && value !== null ? undefined : (value as FeatureInput);
    } else if (!ignored.has(name)) unknown.add(name);
  }
  return out;
}
