import type { TritonClient } from '../triton/client.ts';

/**
 * The batch path to Triton: one KServe v2 request per batch, FP32 rows in the feature
 * schema's order, straight to the model (no gateway: no cache, no fallback, no per-request
 * deadline budget). Each request has its own timeout on top of the job's abort signal.
 */
export function tritonScorer(client: TritonClient, tritonModel: string, inputName: string, timeoutMs = 30_000) {
  return async (rows: readonly (readonly number[])[], signal: AbortSignal): Promise<number[]> => {
    const width = rows[0]?.length ?? 0;
    const data: number[] = new Array(rows.length * width);
    rows.forEach((row, i) => {
      for (let j = 0; j < width; j++) data[i * width + j] = row[j] as number;
    });
    const res = await client.infer(
      tritonModel,
      { inputs: [{ name: inputName, shape: [rows.length, width], datatype: 'FP32', data }] },
      { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) },
    );
    return (res.outputs[0]?.data ?? []) as number[];
  };
}

/** Triton's max_batch_size for the model (0: no batching, one row per request). */
export async function maxBatchSize(client: TritonClient, tritonModel: string): Promise<number> {
  const config = await client.modelConfig(tritonModel);
  return config.max_batch_size ?? 0;
}
