import { z } from 'zod';

/**
 * The reference profile: everything drift detection needs to know about the training split,
 * computed once (`steadystate drift profile`) and stored as versioned JSON next to the
 * models (serving/model_repository/reference_profile.json).
 *
 * The gateway counts `inference_feature_bin_total{model,feature,bin}` with the same bins
 * (see bins.ts: `binLabel`), so drift can be computed from counters summed across gateway
 * replicas in Prometheus, without ever seeing a row.
 *
 * Numeric feature, k in-range bins. `lower` holds each bin's lower edge: bin i is
 * [lower[i], lower[i+1]) and the last bin is [lower[k-1], max], closed. Continuous features
 * take their edges at the reference quantiles i/k (numpy's default 'linear' quantile,
 * duplicates dropped), so each bin holds about 1/k of the reference; discrete features
 * (at most `maxDiscreteValues` distinct values: flags, counts, hours) get one bin per
 * value. Values outside [min, max] are counted in the open-ended `lt_min` / `gt_max` bins,
 * and anything that is not a number in `missing`.
 *
 * Categorical feature: one bin per reference category, plus `unseen` (a value the
 * reference never had) and `missing`.
 */
export const PROFILE_FORMAT = 'steadystate.dev/reference-profile';
export const PROFILE_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const numericFeatureProfile = z
  .strictObject({
    name: z.string().min(1),
    type: z.literal('numeric'),
    kind: z.enum(['continuous', 'discrete']),
    lower: z.array(finite).min(1),
    max: finite,
    counts: z.array(z.number().nonnegative()),
    /** Mean of the reference values in each bin (the bin's centroid; = the value for a discrete bin). */
    means: z.array(finite),
    n: z.number().int().nonnegative(),
    missing: z.number().int().nonnegative(),
    moments: z.strictObject({ mean: finite, std: finite, min: finite, max: finite }),
    /** Uniform reservoir sample of the reference values, sorted, for exact tests (KS). */
    sample: z.array(finite),
  })
  .superRefine((f, ctx) => {
    for (const key of ['counts', 'means'] as const) {
      if (f[key].length !== f.lower.length) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `has ${f[key].length} entries for ${f.lower.length} bins`,
        });
      }
    }
    for (let i = 1; i < f.lower.length; i++) {
      if (!((f.lower[i] as number) > (f.lower[i - 1] as number))) {
        ctx.addIssue({ code: 'custom', path: ['lower', i], message: 'bin edges must increase strictly' });
        break;
      }
    }
    if ((f.lower[f.lower.length - 1] as number) > f.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'max is below the last bin edge' });
    }
  });

export const RESERVED_BIN_LABELS = ['lt_min', 'gt_max', 'missing', 'unseen'] as const;

const categoricalFeatureProfile = z
  .strictObject({
    name: z.string().min(1),
    type: z.literal('categorical'),
    categories: z.array(z.string().min(1)).min(1),
    counts: z.array(z.number().nonnegative()),
    n: z.number().int().nonnegative(),
    missing: z.number().int().nonnegative(),
  })
  .superRefine((f, ctx) => {
    if (f.counts.length !== f.categories.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['counts'],
        message: `has ${f.counts.length} entries for ${f.categories.length} categories`,
      });
    }
    const reserved = f.categories.filter((c) => (RESERVED_BIN_LABELS as readonly string[]).includes(c));
    if (reserved.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['categories'],
        message: `${reserved.join(', ')} cannot be a category name (reserved bin labels: ${RESERVED_BIN_LABELS.join(', ')})`,
      });
    }
  });

const labelCounts = z.record(z.string(), z.number().nonnegative());

export const referenceProfileSchema = z.strictObject({
  format: z.literal(PROFILE_FORMAT),
  version: z.literal(PROFILE_VERSION, {
    error: `unsupported profile version; this steadystate reads version ${PROFILE_VERSION} (rebuild with \`steadystate drift profile\`)`,
  }),
  source: z.strictObject({ data: z.string(), rows: z.number().int().nonnegative(), sha256: z.string() }),
  options: z.strictObject({
    bins: z.number().int().min(2).max(100),
    maxDiscreteValues: z.number().int().min(1).max(100),
    sampleSize: z.number().int().nonnegative(),
    seed: z.number().int(),
  }),
  features: z.array(z.discriminatedUnion('type', [numericFeatureProfile, categoricalFeatureProfile])).min(1),
  /** Base rate of each value of the label column in the reference (e.g. is_fraud). */
  labels: z.strictObject({ column: z.string(), n: z.number().nonnegative(), counts: labelCounts }).optional(),
  /**
   * Base rate of each predicted label per Triton model, scored on the reference: label "1"
   * when score >= the model's decision_threshold (feature_schema.json), as the gateway labels.
   */
  predictions: z
    .record(z.string(), z.strictObject({ threshold: z.number(), n: z.number().nonnegative(), counts: labelCounts }))
    .optional(),
});

export type ReferenceProfile = z.infer<typeof referenceProfileSchema>;
export type FeatureProfile = ReferenceProfile['features'][number];
export type NumericFeatureProfile = Extract<FeatureProfile, { type: 'numeric' }>;
export type CategoricalFeatureProfile = Extract<FeatureProfile, { type: 'categorical' }>;

export class ProfileFormatError extends Error {
  override readonly name = 'ProfileFormatError';
}

/**
 * Validates a parsed profile (the adapter reads the file: `loadReferenceProfile` in
 * src/adapters/files/drift-profile.ts). Every problem names its field.
 */
export function parseReferenceProfile(value: unknown, source = 'reference profile'): ReferenceProfile {
  const result = referenceProfileSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ProfileFormatError(
      `${source} is not a valid reference profile:\n${lines.join('\n')}\n(rebuild it with \`steadystate drift profile --data serving/data/train.csv --out ...\`)`,
    );
  }
  const names = result.data.features.map((f) => f.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) throw new ProfileFormatError(`${source}: feature names repeat: ${repeated.join(', ')}`);
  return result.data;
}

export function featureProfileOf(profile: ReferenceProfile, name: string): FeatureProfile | undefined {
  return profile.features.find((f) => f.name === name);
}
