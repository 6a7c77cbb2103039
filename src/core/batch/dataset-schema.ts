import type { FeatureSchema } from '../spec/feature-schema.ts';

/**
 * Checks a dataset's columns and values against the model's feature schema and encodes each
 * row into the model's input order. A batch job must not score a file the model was not built
 * for: a missing column would silently become the schema default in every row, a shifted one
 * would score nonsense. Extra columns (labels, ids) are allowed and ignored.
 */
export type EncodeResult = { ok: true; rows: number[][] } | { ok: false; problems: string[] };

const MAX_PROBLEMS = 5;

export function encodeDataset(
  columns: readonly string[],
  records: readonly Record<string, unknown>[],
  schema: FeatureSchema,
): EncodeResult {
  const missing = schema.features.filter((f) => !columns.includes(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    return {
      ok: false,
      problems: [
        `no column ${missing.map((m) => `"${m}"`).join(', ')} (the model takes ${schema.features.map((f) => f.name).join(', ')}; the file has ${columns.join(', ') || 'no columns'})`,
      ],
    };
  }
  const problems: string[] = [];
  const rows: number[][] = [];
  records.forEach((record, index) => {
    const row: number[] = [];
    for (const feature of schema.features) {
      const raw = record[feature.name];
      if (feature.type === 'categorical') {
        const code = feature.categories.indexOf(String(raw));
        if (code < 0 && problems.length < MAX_PROBLEMS) {
          problems.push(
            `row ${index + 1}, column "${feature.name}": "${String(raw)}" is not one of ${feature.categories.join(', ')}`,
          );
        }
        row.push(code);
        continue;
      }
      const value =
        typeof raw === 'bigint' ? Number(raw) : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        if (problems.length < MAX_PROBLEMS) {
          problems.push(`row ${index + 1}, column "${feature.name}": ${JSON.stringify(raw ?? null)} is not a number`);
        }
        row.push(Number.NaN);
        continue;
      }
      row.push(value);
    }
    rows.push(row);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rows };
}
