/**
 * The batch plan: a dataset of `totalRows` rows cut into consecutive half-open row ranges
 * [start, end) of at most `batchSize` rows, beginning at the row a resume continues from.
 * Each range is one Triton request, so `batchSize` is capped by the model's max_batch_size.
 */
export interface RowRange {
  start: number;
  end: number;
}

export function planBatches(startRow: number, totalRows: number, batchSize: number): RowRange[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(startRow) || startRow < 0 || startRow > totalRows) {
    throw new RangeError(`startRow ${startRow} is outside the dataset's 0..${totalRows} rows`);
  }
  const ranges: RowRange[] = [];
  for (let start = startRow; start < totalRows; start += batchSize) {
    ranges.push({ start, end: Math.min(totalRows, start + batchSize) });
  }
  return ranges;
}

/** The batch size a job uses: what the spec asks for, never more than Triton accepts in one request. */
export function effectiveBatchSize(requested: number, modelMaxBatchSize: number): number {
  if (modelMaxBatchSize <= 0) return 1; // a model without batching takes one row per request
  return Math.max(1, Math.min(requested, modelMaxBatchSize));
}
