import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';

/**
 * One part file as Parquet: `row` (INT32, the input row's index) and `score` (FLOAT: Triton's
 * FP32 output stored exactly, so the same score is always the same bytes).
 */
export function encodeParquetPart(start: number, scores: readonly number[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'row', data: Int32Array.from(scores, (_, i) => start + i), type: 'INT32' },
      { name: 'score', data: Float32Array.from(scores), type: 'FLOAT' },
    ],
  });
  return new Uint8Array(buffer);
}

export async function decodeParquetPart(bytes: Uint8Array): Promise<{ rows: number[]; scores: number[] }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const records = (await parquetReadObjects({ file })) as { row: number; score: number }[];
  return { rows: records.map((r) => Number(r.row)), scores: records.map((r) => Number(r.score)) };
}
