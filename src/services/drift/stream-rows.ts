import type { ReferenceProfile } from '../../core/drift/profile.ts';
import type { Prediction } from '../../core/drift/window.ts';

/**
 * Where a row's prediction comes from. A gateway prediction-log line carries
 * {ts, request_id, user_id, model, variant, served_by, score, label, features}; the label
 * is the row's label field, else the model's decision: score >= the decision threshold of
 * the variant's Triton model (kept in the reference profile). As the gateway counts
 * inference_predictions_total, only answers of the model itself count (served_by primary,
 * cache or stale_cache; a row without served_by counts).
 */
export interface PredictionFields {
  variant: string;
  label: string;
  score: string;
}

export const DEFAULT_PREDICTION_FIELDS: PredictionFields = { variant: 'variant', label: 'label', score: 'score' };

const MODEL_ANSWERS = new Set(['primary', 'cache', 'stale_cache']);

export function predictionOf(
  record: Readonly<Record<string, unknown>>,
  fields: PredictionFields,
  profile: ReferenceProfile,
  variantModels: Readonly<Record<string, string>>,
): Prediction | undefined {
  const servedBy = record.served_by;
  if (typeof servedBy === 'string' && !MODEL_ANSWERS.has(servedBy)) return undefined;
  const rawVariant = record[fields.variant];
  const variant = rawVariant === undefined || rawVariant === null || rawVariant === '' ? 'all' : String(rawVariant);
  const label = record[fields.label];
  if (label !== undefined && label !== null && label !== '') return { variant, label: normalizeLabel(label) };
  const score = Number(record[fields.score]);
  const model = variantModels[variant];
  const threshold = model ? profile.predictions?.[model]?.threshold : undefined;
  if (Number.isFinite(score) && threshold !== undefined) return { variant, label: score >= threshold ? '1' : '0' };
  return undefined;
}

/** 1, "1", true and "1.0" are label "1"; the label strings are otherwise kept as they are. */
function normalizeLabel(value: unknown): string {
  if (value === true) return '1';
  if (value === false) return '0';
  const n = Number(value);
  if (typeof value !== 'boolean' && String(value).trim() !== '' && Number.isFinite(n) && Number.isInteger(n))
    return String(n);
  return String(value);
}

/** Rows of another model in a shared log (its `model` field) belong to another monitor. */
export function isOtherModel(record: Readonly<Record<string, unknown>>, model: string | undefined): boolean {
  return model !== undefined && typeof record.model === 'string' && record.model !== model;
}
