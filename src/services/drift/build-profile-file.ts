import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readCsvColumns } from '../../adapters/files/tabular.ts';
import { scoreWithOnnx } from '../../adapters/process/onnx-scores.ts';
import { buildReferenceProfile, type ProfileOptions, type ReferenceColumns } from '../../core/drift/build-profile.ts';
import type { ReferenceProfile } from '../../core/drift/profile.ts';
import { type FeatureSchema, featureSchemaFile } from '../../core/spec/feature-schema.ts';

export interface ProfileFileOptions {
  data: string;
  schemaFile: string;
  labelColumn: string | undefined;
  /** Score the reference with each model in the schema that has an exported ONNX file. */
  scores: boolean;
  options: ProfileOptions;
}

export function readFeatureSchema(file: string): FeatureSchema {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the feature schema ${file}: ${(error as Error).message} (scripts/setup.sh writes it)`);
  }
  const parsed = featureSchemaFile.safeParse(value);
  if (!parsed.success) throw new Error(`${file} is not a feature schema: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Reads the training split and builds its reference profile (deterministic). */
export function buildProfileFromCsv(input: ProfileFileOptions): ReferenceProfile {
  const schema = readFeatureSchema(input.schemaFile);
  const { columns, rows } = readCsvColumns(input.data);
  const missingColumns = schema.features.filter((f) => !columns.has(f.name)).map((f) => f.name);
  if (missingColumns.length > 0) {
    throw new Error(
      `${input.data} lacks the feature column${missingColumns.length > 1 ? 's' : ''} ${missingColumns.join(', ')} of ${input.schemaFile}; is it the right split?`,
    );
  }
  const data: ReferenceColumns = { rows, numeric: {}, categorical: {} };
  for (const f of schema.features) {
    const cells = columns.get(f.name) as string[];
    if (f.type === 'numeric')
      data.numeric[f.name] = Float64Array.from(cells, (c) => (c.trim() === '' ? Number.NaN : Number(c)));
    else data.categorical[f.name] = cells.map((c) => c.trim());
  }
  if (input.labelColumn) {
    const labels = columns.get(input.labelColumn);
    if (!labels)
      throw new Error(
        `${input.data} has no label column "${input.labelColumn}" (pass --label-column NAME or --no-label)`,
      );
    data.label = { column: input.labelColumn, values: labels.map((l) => l.trim()) };
  }
  if (input.scores) data.scores = scoreReference(schema, data, input.schemaFile);
  const sha256 = createHash('sha256').update(readFileSync(input.data)).digest('hex');
  return buildReferenceProfile(schema, data, { data: input.data, sha256 }, input.options);
}

/** Encodes rows as the gateway does (FP32, categories as schema codes) and scores them with every model. */
function scoreReference(schema: FeatureSchema, data: ReferenceColumns, schemaFile: string): ReferenceColumns['scores'] {
  const width = schema.features.length;
  const matrix = new Float32Array(data.rows * width);
  schema.features.forEach((f, j) => {
    if (f.type === 'numeric') {
      const values = data.numeric[f.name] as Float64Array;
      for (let i = 0; i < data.rows; i++) matrix[i * width + j] = values[i] as number;
    } else {
      const values = data.categorical[f.name] as string[];
      const fallback = f.categories.indexOf(f.default);
      for (let i = 0; i < data.rows; i++) {
        const code = f.categories.indexOf(values[i] as string);
        matrix[i * width + j] = code >= 0 ? code : fallback;
      }
    }
  });
  const repository = dirname(schemaFile);
  const models = Object.fromEntries(Object.keys(schema.models).map((m) => [m, join(repository, m, '1', 'model.onnx')]));
  const scores = scoreWithOnnx(matrix, width, models);
  return Object.fromEntries(
    Object.entries(scores).map(([m, s]) => [
      m,
      { threshold: (schema.models[m] as { decision_threshold: number }).decision_threshold, scores: s },
    ]),
  );
}
