import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FeatureInput } from '../../core/drift/bins.ts';

/**
 * Row readers for drift checks: CSV with a header row (no quoting, as the splits written by
 * serving/models/train.py and typical feature exports) and JSON Lines. A JSONL row may be
 * flat ({"amount": 12.5, ...}) or a gateway prediction-log entry with a `features` object;
 * either way the record's own fields (variant, label, score, ids) stay available.
 */
export type TabularFormat = 'csv' | 'jsonl';

export interface TabularRow {
  /** 1-based line number in the file (for messages). */
  line: number;
  /** Feature values by name. */
  features: Record<string, FeatureInput>;
  /** The whole record (JSONL) or the row as name -> cell (CSV). */
  record: Record<string, unknown>;
}

export function formatOf(file: string, explicit?: string): TabularFormat {
  if (explicit === 'csv' || explicit === 'jsonl') return explicit;
  if (explicit) throw new Error(`--format must be csv or jsonl, got "${explicit}"`);
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl';
  throw new Error(`cannot tell the format of ${file} from its name; pass --format csv or --format jsonl`);
}

/** Streams the rows of a CSV or JSONL file (bounded memory). Bad lines are reported through onBadLine. */
export async function* readRows(
  file: string,
  format: TabularFormat,
  onBadLine: (line: number, why: string) => void = () => {},
): AsyncGenerator<TabularRow> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let header: string[] | undefined;
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    if (format === 'csv') {
      const cells = text.split(',');
      if (!header) {
        header = cells.map((c) => c.trim());
        continue;
      }
      if (cells.length !== header.length) {
        onBadLine(lineNumber, `has ${cells.length} cells, the header has ${header.length}`);
        continue;
      }
      const record: Record<string, unknown> = {};
      header.forEach((name, i) => {
        record[name] = cells[i];
      });
      yield { line: lineNumber, features: record as Record<string, FeatureInput>, record };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      onBadLine(lineNumber, `is not JSON (${(error as Error).message})`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      onBadLine(lineNumber, 'is not a JSON object');
      continue;
    }
    const record = value as Record<string, unknown>;
    const nested = record.features;
    const features =
      typeof nested === 'object' && nested !== null && !Array.isArray(nested)
        ? (nested as Record<string, FeatureInput>)
        : (record as Record<string, FeatureInput>);
    yield { line: lineNumber, features, record };
  }
}

/** A whole CSV as columns (for the reference split: 144k rows fit easily). */
export function readCsvColumns(file: string): { header: string[]; columns: Map<string, string[]>; rows: number } {
  const text = readFileSync(file, 'utf8');
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((c) => c.trim());
  if (header.length === 0 || header[0] === '') throw new Error(`${file} has no header row`);
  const columns = new Map(header.map((h) => [h, [] as string[]]));
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== header.length) {
      throw new Error(`${file}:${i + 1} has ${cells.length} cells, the header has ${header.length}`);
    }
    header.forEach((h, j) => {
      (columns.get(h) as string[]).push(cells[j] as string);
    });
    rows++;
  }
  return { header, columns, rows };
}
