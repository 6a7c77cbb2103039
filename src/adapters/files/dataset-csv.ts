import { readFileSync } from 'node:fs';
import type { FeatureSchema, FeatureValue } from '../../core/spec/feature-schema.ts';

export interface LabelledRow {
  features: Record<string, FeatureValue>;
  label: number;
}

/**
 * Reads a split written by serving/models/train.py (header row, no quoting: the values are
 * numbers and category names we generated).
 */
export function readDatasetCsv(file: string, schema: FeatureSchema, limit = Number.POSITIVE_INFINITY): LabelledRow[] {
  const lines = readFileSync(file, 'utf8').trimEnd().split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const rows: LabelledRow[] = [];
  for (let i = 1; i < lines.length && rows.length < limit; i++) {
    const cells = (lines[i] ?? '').split(',');
    const features: Record<string, FeatureValue> = {};
    for (const f of schema.features) {
      const cell = cells[header.indexOf(f.name)] ?? '';
      features[f.name] = f.type === 'numeric' ? Number(cell) : cell;
    }
    rows.push({ features, label: Number(cells[header.indexOf('is_fraud')]) });
  }
  return rows;
}
