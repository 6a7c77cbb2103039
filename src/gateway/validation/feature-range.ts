import type { FeatureDefinition } from '../../core/spec/feature-schema.ts';

/**
 * The largest magnitude a numeric feature may have. The models run in float32: anything above
 * 3.4028235e38 is not a float32 at all (1e39 arrives as +Infinity), and values near that edge
 * overflow inside the model (the logistic model's standardisation (x - mean) / std and its dot
 * product), so fraud_v1 answered NaN for 3.4e38. 1e30 keeps eight orders of magnitude of headroom
 * for those products; test/integration/gateway-kserve-client.test.ts checks every model stays
 * finite at +/-1e30 in every feature.
 */
export const MAX_FEATURE_MAGNITUDE = 1e30;

/**
 * Why a numeric value is not acceptable for a feature, or undefined when it is. Shared by
 * `/v1/predict` and KServe infer so both paths refuse the same values.
 */
export function numericFeatureProblem(def: FeatureDefinition, value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
  if (value > MAX_FEATURE_MAGNITUDE || value < -MAX_FEATURE_MAGNITUDE)
    return `must be within +/-${MAX_FEATURE_MAGNITUDE} (the models compute in float32 and overflow beyond it)`;
  if (def.type === 'categorical') {
    if (!(Number.isInteger(value) && value >= 0 && value < def.categories.length))
      return `must be a category code 0..${def.categories.length - 1} (${def.categories.join(', ')})`;
    return undefined;
  }
  if ((def.min !== undefined && value < def.min) || (def.max !== undefined && value > def.max))
    return `must be between ${def.min ?? '-inf'} and ${def.max ?? '+inf'}`;
  return undefined;
}
