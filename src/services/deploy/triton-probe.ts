import type { TritonClient } from '../../adapters/triton/client.ts';
import { percentile } from '../../core/deploy/validation.ts';
import { defaultFeatureRecord, encodeFeatures, type FeatureSchema } from '../../core/spec/feature-schema.ts';

/**
 * Validation on Triton itself: one test prediction (the schema's default row) and the p99
 * of `requests` sequential one-row calls, after one warm-up call. Direct to Triton, not
 * through the gateway: the model's own latency, before any user sees it.
 */
export async function probeModel(
  triton: Pick<TritonClient, 'infer'>,
  tritonModel: string,
  schema: FeatureSchema,
  requests: number,
): Promise<{ p99Ms: number | undefined; testPrediction: { score: number } | { error: string } }> {
  const row = encodeFeatures(schema, defaultFeatureRecord(schema));
  const call = async () => {
    const res = await triton.infer(tritonModel, {
      inputs: [{ name: schema.input, shape: [1, row.length], datatype: 'FP32', data: row }],
      outputs: [{ name: schema.output }],
    });
    return Number((res.outputs[0]?.data as number[] | undefined)?.[0]);
  };
  let testPrediction: { score: number } | { error: string };
  try {
    testPrediction = { score: await call() };
  } catch (error) {
    return { p99Ms: undefined, testPrediction: { error: (error as Error).message } };
  }
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    try {
      await call();
    } catch (error) {
      return {
        p99Ms: undefined,
        testPrediction: { error: `call ${i + 1} of ${requests}: ${(error as Error).message}` },
      };
    }
    samples.push(performance.now() - start);
  }
  return { p99Ms: percentile(samples, 0.99), testPrediction };
}
