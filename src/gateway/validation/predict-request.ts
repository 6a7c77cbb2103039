import type { FeatureSchema, FeatureValue } from '../../core/spec/feature-schema.ts';
import { InvalidRequestError } from '../errors.ts';
import { describeValue } from './describe-value.ts';
import { numericFeatureProblem } from './feature-range.ts';

/** A decoded `POST /v1/predict` body. */
export interface PredictRequest {
  userId: string;
  /** Features the caller sent; the rest come from the feature store or defaults. */
  features: Record<string, FeatureValue>;
}

const MAX_USER_ID_LENGTH = 128;

/** Feature definitions by name, built once per schema (this runs on every request). */
const byName = new WeakMap<FeatureSchema, Map<string, FeatureSchema['features'][number]>>();
function featuresByName(schema: FeatureSchema) {
  let map = byName.get(schema);
  if (!map) {
    map = new Map(schema.features.map((f) => [f.name, f]));
    byName.set(schema, map);
  }
  return map;
}

/**
 * Decodes `{ "user_id": ..., "features": {...} }` against the feature schema. Every problem
 * is a 400 naming the field and what was expected; nothing malformed reaches Triton.
 * `allowMissing`: with an online feature store, absent features are looked up instead.
 */
export function decodePredictRequest(body: unknown, schema: FeatureSchema, allowMissing: boolean): PredictRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError(
      `the body must be a JSON object {"user_id": "...", "features": {...}}, got ${describeValue(body)}`,
    );
  }
  const record = body as Record<string, unknown>;
  // for-in, not Object.keys/entries: no array per request (a parsed JSON object has only own keys).
  for (const key in record) {
    if (key !== 'user_id' && key !== 'features') {
      throw new InvalidRequestError(`unknown field "${key}"; the body takes only "user_id" and "features"`, key);
    }
  }
  const rawUser = record.user_id;
  if (!(typeof rawUser === 'string' || (typeof rawUser === 'number' && Number.isSafeInteger(rawUser)))) {
    throw new InvalidRequestError(`user_id must be a string or an integer, got ${describeValue(rawUser)}`, 'user_id');
  }
  const userId = String(rawUser);
  if (userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) {
    throw new InvalidRequestError(
      `user_id must have 1 to ${MAX_USER_ID_LENGTH} characters, got ${userId.length}`,
      'user_id',
    );
  }
  const raw = record.features;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidRequestError(
      `features must be an object of feature name -> value, got ${describeValue(raw)}`,
      'features',
    );
  }
  const known = featuresByName(schema);
  const features: Record<string, FeatureValue> = {};
  const sent = raw as Record<string, unknown>;
  let count = 0;
  for (const name in sent) {
    const value = sent[name];
    const def = known.get(name);
    const field = `features.${name}`;
    if (!def) {
      throw new InvalidRequestError(
        `unknown feature "${name}"; expected some of: ${[...known.keys()].join(', ')}`,
        field,
      );
    }
    if (def.type === 'numeric') {
      const problem = numericFeatureProblem(def, value);
      if (problem) {
        throw new InvalidRequestError(
          `${field} ${problem}${def.unit ? ` (${def.unit})` : ''}, got ${typeof value === 'number' ? value : describeValue(value)}`,
          field,
        );
      }
      features[name] = value as number;
    } else {
      if (typeof value !== 'string' || !def.categories.includes(value)) {
        throw new InvalidRequestError(
          `${field} must be one of ${def.categories.join(', ')}; got ${describeValue(value)}`,
          field,
        );
      }
      features[name] = value;
    }
    count++;
  }
  // Every name was a known feature and JSON keys are unique: as many as the schema = none missing.
  if (!allowMissing && count < schema.features.length) {
    const missing = schema.features.filter((f) => !(f.name in features)).map((f) => f.name);
    if (missing.length > 0) {
      throw new InvalidRequestError(
        `missing feature${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (no online feature store is configured to fill them)`,
        `features.${missing[0]}`,
      );
    }
  }
  return { userId, features };
}
