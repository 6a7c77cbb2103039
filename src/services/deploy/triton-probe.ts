import { setTimeout as sleep } from 'node:timers/promises';
import type { TritonClient } from '../../adapters/triton/client.ts';
import { percentile } from '../../core/deploy/validation.ts';
import { defaultFeatureRecord, encodeFeatures, type FeatureSchema } from '../../core/spec/feature-schema.ts';

/** Share of the measured calls that may fail (Triton's queue policy rejects a call held > 200 ms on a starved CPU). */
export const PROBE_MAX_ERROR_SHARE = 0.02;
const WARM_UP_MS = 20_000;

/**
 * Validation on Triton itself, direct (not through the gateway: the model's own latency,
 * before any user sees it). A freshly loaded model is warmed up first: calls until three in
 * a row succeed (the python backend's stub and onnxruntime session start on the first
 * calls), within 20 s; its first successful answer is the test prediction. Then `requests`
 * sequential one-row calls give the p99; more than 2% of them failing fails the probe.
 */
export async function probeModel(
  triton: Pick<TritonClient, 'infer'>,
  tritonModel: string,
  schema: FeatureSchema,
  requests: number,
): Promise<{ p99Ms: number | undefined; testPrediction: { score: number } | { error: string }; errors: number }> {
  const row = encodeFeatures(schema, defaultFeatureRecord(schema));
  const call = async () => {
    const res = await triton.infer(tritonModel, {
      inputs: [{ name: schema.input, shape: [1, row.length], datatype: 'FP32', data: row }],
      outputs: [{ name: schema.output }],
    });
    return Number((res.outputs[0]?.data as number[] | undefined)?.[0]);
  };
  let testPrediction: { score: number } | undefined;
  let lastError = '';
  let streak = 0;
  const warmUntil = Date.now() + WARM_UP_MS;
  while (streak < 3 && Date.now() < warmUntil) {
    try {
      const score = await call();
      testPrediction ??= { score };
      streak++;
    } catch (error) {
      lastError = (error as Error).message;
      streak = 0;
      await sleep(200);
    }
  }
  if (streak < 3) {
    return {
      p99Ms: undefined,
      testPrediction: { error: `no 3 answers in a row within ${WARM_UP_MS / 1000} s: ${lastError}` },
      errors: 0,
    };
  }
  const samples: number[] = [];
  let errors = 0;
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    try {
      await call();
      samples.push(performance.now() - start);
    } catch (error) {
      errors++;
      lastError = (error as Error).message;
    }
  }
  if (errors > requests * PROBE_MAX_ERROR_SHARE) {
    return {
      p99Ms: undefined,
      testPrediction: {
        error: `${errors} of ${requests} calls failed (over ${PROBE_MAX_ERROR_SHARE * 100}%): ${lastError}`,
      },
      errors,
    };
  }
  return { p99Ms: percentile(samples, 0.99), testPrediction: testPrediction as { score: number }, errors };
}
