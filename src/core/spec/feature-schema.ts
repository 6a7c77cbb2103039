import { z } from 'zod';

/**
 * The model feature schema (serving/model_repository/feature_schema.json, written by the
 * training script). Column order = the order of the model's `features` input tensor;
 * categorical values travel as their integer code, as the models were trained.
 */
const numericFeature = z.strictObject({
  name: z.string().min(1),
  type: z.literal('numeric'),
  unit: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  default: z.number(),
});
const categoricalFeature = z.strictObject({
  name: z.string().min(1),
  type: z.literal('categorical'),
  categories: z.array(z.string().min(1)).min(1),
  default: z.string(),
});
export const featureSchemaFile = z.object({
  input: z.string(),
  output: z.string(),
  datatype: z.literal('FP32'),
  features: z.array(z.discriminatedUnion('type', [numericFeature, categoricalFeature])).min(1),
  models: z.record(z.string(), z.object({ decision_threshold: z.number().min(0).max(1) })),
});
export type FeatureSchema = z.infer<typeof featureSchemaFile>;
export type FeatureDefinition = FeatureSchema['features'][number];
export type FeatureValue = number | string;

/** Encodes one named record into the model's input row. The record must be valid. */
export function encodeFeatures(schema: FeatureSchema, record: Record<string, FeatureValue>): number[] {
  return schema.features.map((f) => {
    const value = record[f.name] ?? f.default;
    if (f.type === 'categorical') {
      const code = f.categories.indexOf(String(value));
      return code >= 0 ? code : f.categories.indexOf(f.default);
    }
    return Number(value);
  });
}

/** The row of defaults: what the fallback path sends when no feature is known. */
export function defaultFeatureRecord(schema: FeatureSchema): Record<string, FeatureValue> {
  return Object.fromEntries(schema.features.map((f) => [f.name, f.default]));
}
