import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../../src/adapters/batch/dataset-file.ts';
import { batchGaugesText } from '../../../src/adapters/batch/metrics-push.ts';
import { decodeParquetPart, encodeParquetPart } from '../../../src/adapters/batch/part-parquet.ts';
import { paths } from '../../../src/adapters/process/paths.ts';
import { encodeDataset } from '../../../src/core/batch/dataset-schema.ts';
import { progressLine } from '../../../src/core/batch/progress-line.ts';
import { BATCH } from '../../../src/core/metrics/names.ts';
import { encodeFeatures, featureSchemaFile } from '../../../src/core/spec/feature-schema.ts';

const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
const csv = readFileSync(`${paths.root()}/serving/data/test.csv`, 'utf8').split('\n').slice(0, 21).join('\n');

describe('dataset against the feature schema', () => {
  it('encodes the rows as the gateway does (same order, category codes)', async () => {
    const file = await parseDataset('test.csv', new TextEncoder().encode(csv));
    const encoded = encodeDataset(file.columns, file.records, schema);
    expect(encoded.ok).toBe(true);
    if (!encoded.ok) return;
    expect(encoded.rows).toHaveLength(20);
    const first = file.records[0] as Record<string, string>;
    const named = Object.fromEntries(
      schema.features.map((f) => [f.name, f.type === 'numeric' ? Number(first[f.name]) : String(first[f.name])]),
    );
    expect(encoded.rows[0]).toEqual(encodeFeatures(schema, named));
  });

  it('names a missing column, an unknown category and a value that is not a number', async () => {
    const lines = csv.split('\n');
    const dropAmount = lines.map((l) => l.split(',').slice(1).join(',')).join('\n');
    const missing = encodeDataset(
      ...columnsAndRecords(await parseDataset('x.csv', new TextEncoder().encode(dropAmount))),
    );
    expect(missing.ok ? '' : missing.problems[0]).toMatch(/^no column "amount" \(the model takes amount, hour/);
    const bad = lines.map((l, i) =>
      i === 2 ? l.replace(/^[^,]+/, 'abc').replace(/,(online|pos|mobile),/, ',telepathy,') : l,
    );
    const problems = encodeDataset(
      ...columnsAndRecords(await parseDataset('x.csv', new TextEncoder().encode(bad.join('\n')))),
    );
    expect(problems.ok ? [] : problems.problems).toEqual([
      'row 2, column "amount": "abc" is not a number',
      expect.stringMatching(/^row 2, column "channel": "telepathy" is not one of /),
    ]);
  });

  it('refuses a file that is neither CSV nor Parquet, or a broken one', async () => {
    await expect(parseDataset('x.json', new Uint8Array())).rejects.toThrow(/must end in .csv or .parquet/);
    await expect(parseDataset('x.parquet', new TextEncoder().encode('PAR1 not really'))).rejects.toThrow(
      /x.parquet is not a readable Parquet file/,
    );
    await expect(parseDataset('x.csv', new TextEncoder().encode('a,b\n1,2,3\n'))).rejects.toThrow(
      /line 2: 3 cells, the header has 2/,
    );
  });
});

function columnsAndRecords(f: { columns: string[]; records: Record<string, unknown>[] }) {
  return [f.columns, f.records, schema] as const;
}

describe('parts, progress and gauges', () => {
  it('a Parquet part stores FP32 scores exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1 }), { minLength: 1, maxLength: 40 }),
        fc.nat(1e6),
        async (scores, start) => {
          const decoded = await decodeParquetPart(encodeParquetPart(start, scores));
          expect(decoded.rows).toEqual(scores.map((_, i) => start + i));
          expect(decoded.scores).toEqual(scores.map((s) => Math.fround(s)));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('prints rows, rate, ETA and checkpoint age', () => {
    expect(
      progressLine({
        job: 'fraud-batch',
        rowsDone: 12_000,
        totalRows: 48_000,
        rowsPerSecond: 1200,
        checkpointAgeSeconds: 4,
      }),
    ).toBe('fraud-batch [#####...............] 12000/48000 rows (25.0%)  1200 rows/s  ETA 30s  checkpoint 4s ago');
    expect(
      progressLine({ job: 'j', rowsDone: 0, totalRows: 10, rowsPerSecond: 0, checkpointAgeSeconds: undefined }),
    ).toMatch(/ETA -- {2}checkpoint none yet$/);
  });

  it('exports the contract names; no checkpoint yet, no age', () => {
    const text = batchGaugesText({
      rowsDone: 10,
      rowsCommitted: 8,
      rowsTotal: 20,
      rowsPerSecond: 5,
      lastCheckpointSeconds: undefined,
      runs: 2,
      interrupted: true,
    });
    expect(text).toContain(`${BATCH.rowsDone} 10\n`);
    expect(text).toContain(`${BATCH.interrupted} 1\n`);
    expect(text).not.toContain(BATCH.lastCheckpoint);
  });
});
