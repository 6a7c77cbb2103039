import type { ReferenceProfile } from '../../core/drift/profile.ts';
import type { Prediction } from '../../core/drift/window.ts';

/**
 * Where a row's prediction comes from. A gateway prediction-log line carries
 * {request_id, user_id, features, score, variant, served_by}; the label is the model's
 * decision: score >= the decision threshold of the variant's Triton model (kept in the
 * reference profile), unless the row has an explicit label field. Rows answered without a
 * model (served_by default, shed or error) are not predictions of the model.
 */
export interface PredictionFields {
  variant: string;
  label: string;
  score: string;
}

export const DEFAULT_PREDICTION_FIELDS: PredictionFields = { variant: 'variant', label: 'label', score: 'score' };

const NOT_MODEL_ANSWERS = new Set(['default', 'shed', 'error']);

export function predictionOf(
  record: Readonly<Record<string, unknown>>,
  fields: PredictionFields,
  profile: ReferenceProfile,
  variantModels: Readonly<Record<string, string>>,
): Prediction | undefined {
  const servedBy = record.served_by;
  if (typeof servedBy === 'string' && NOT_MODEL_ANSWERS.has(servedBy)) return undefined;
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
