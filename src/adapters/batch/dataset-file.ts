import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { parseStorageLocation } from '../../core/storage/location.ts';
import { openObjectStore } from '../storage/open-object-store.ts';

/**
 * Reads a batch dataset, a .csv (header row, no quoting: numbers and category names) or a
 * .parquet file, from a local path or s3://bucket/key. The whole file is read: the batch job
 * hashes it (the checkpoint's identity of the dataset) and holds the encoded rows in memory.
 */
export interface DatasetFile {
  location: string;
  bytes: Uint8Array;
  columns: string[];
  records: Record<string, unknown>[];
}

export class DatasetReadError extends Error {
  override readonly name = 'DatasetReadError';
}

export async function readDatasetBytes(location: string, env: NodeJS.ProcessEnv = process.env): Promise<Uint8Array> {
  const parsed = parseStorageLocation(location);
  if (parsed.kind === 'file') {
    try {
      return new Uint8Array(await readFile(parsed.dir));
    } catch (error) {
      throw new DatasetReadError(
        `cannot read dataset ${location}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; give --input an existing .csv or .parquet file`,
      );
    }
  }
  const key = basename(parsed.prefix);
  const parent = location.slice(0, location.length - key.length).replace(/\/$/, '');
  if (key === '' || key === '.')
    throw new DatasetReadError(`dataset ${location} names no object; give s3://bucket/path/file.csv`);
  const store = openObjectStore(parent, env);
  let body: Uint8Array | undefined;
  try {
    body = await store.get(key);
  } catch (error) {
    throw new DatasetReadError(`cannot read dataset ${location}: ${(error as Error).message}`);
  }
  if (!body)
    throw new DatasetReadError(`dataset ${location} does not exist; check the bucket and key (upload it first)`);
  return body;
}

export async function parseDataset(location: string, bytes: Uint8Array): Promise<DatasetFile> {
  if (/\.parquet$/i.test(location)) return parseParquet(location, bytes);
  if (/\.csv$/i.test(location)) return parseCsv(location, bytes);
  throw new DatasetReadError(`dataset ${location}: the name must end in .csv or .parquet`);
}

function parseCsv(location: string, bytes: Uint8Array): DatasetFile {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetReadError(`dataset ${location} is not UTF-8 text; is it really a CSV file?`);
  }
  const lines = text.split(/\r?\n/);
  const columns = (lines[0] ?? '').split(',').map((c) => c.trim());
  if (columns.length === 0 || columns[0] === '') throw new DatasetReadError(`dataset ${location} has no header row`);
  const records: Record<string, unknown>[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== columns.length) {
      throw new DatasetReadError(
        `dataset ${location}, line ${i + 1}: ${cells.length} cells, the header has ${columns.length}; fix or drop the line`,
      );
    }
    const record: Record<string, unknown> = {};
    columns.forEach((c, j) => {
      record[c] = cells[j];
    });
    records.push(record);
  }
  return { location, bytes, columns, records };
}

async function parseParquet(location: string, bytes: Uint8Array): Promise<DatasetFile> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    const metadata = parquetMetadata(file);
    const columns = parquetSchema(metadata).children.map((c) => c.element.name);
    const records = (await parquetReadObjects({ file, metadata })) as Record<string, unknown>[];
    return { location, bytes, columns, records };
  } catch (error) {
    throw new DatasetReadError(`dataset ${location} is not a readable Parquet file (${(error as Error).message})`);
  }
}
