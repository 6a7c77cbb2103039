import type { FeatureSchema } from '../../core/spec/feature-schema.ts';
import { describeValue, RequestError } from './errors.ts';

/** A decoded KServe v2 infer request for a logical model: rows of the model's input tensor. */
export interface KServeRows {
  id: string | undefined;
  rows: number[][];
  /** Routing key: `parameters.user_id` if given, else the request id, else random. */
  userId: string | undefined;
}

/**
 * Validates a KServe v2 infer body against the model's metadata (one FP32 input
 * [N, features] with 1 <= N <= maxBatch) before anything reaches Triton.
 */
export function decodeKServeRequest(body: unknown, schema: FeatureSchema, maxBatch: number): KServeRows {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError(400, `the body must be a KServe v2 infer request object, got ${describeValue(body)}`);
  }
  const req = body as { id?: unknown; inputs?: unknown; parameters?: unknown };
  if (req.id !== undefined && typeof req.id !== 'string')
    throw new RequestError(400, `id must be a string, got ${describeValue(req.id)}`, 'id');
  if (!Array.isArray(req.inputs) || req.inputs.length !== 1) {
    throw new RequestError(400, `inputs must be an array with exactly one tensor named "${schema.input}"`, 'inputs');
  }
  const input = req.inputs[0] as { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown };
  const width = schema.features.length;
  if (input?.name !== schema.input) {
    throw new RequestError(
      400,
      `inputs[0].name must be "${schema.input}", got ${describeValue(input?.name)}`,
      'inputs[0].name',
    );
  }
  if (input.datatype !== 'FP32') {
    throw new RequestError(
      400,
      `inputs[0].datatype must be "FP32", got ${describeValue(input.datatype)}`,
      'inputs[0].datatype',
    );
  }
  const shape = input.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d)) || shape[1] !== width) {
    throw new RequestError(
      400,
      `inputs[0].shape must be [N, ${width}], got ${JSON.stringify(shape)}`,
      'inputs[0].shape',
    );
  }
  const n = shape[0] as number;
  if (n < 1)
    throw new RequestError(400, `inputs[0].shape[0] (batch size) must be at least 1, got ${n}`, 'inputs[0].shape');
  if (n > maxBatch) {
    throw new RequestError(
      413,
      `batch of ${n} rows exceeds the maximum of ${maxBatch}; split the request`,
      'inputs[0].shape',
    );
  }
  let data = input.data;
  // KServe allows nested row-major arrays; flatten one level.
  if (Array.isArray(data) && data.length === n && data.every(Array.isArray)) data = (data as unknown[][]).flat();
  if (!Array.isArray(data) || data.length !== n * width) {
    throw new RequestError(
      400,
      `inputs[0].data must hold ${n * width} numbers (shape [${n}, ${width}]), got ${Array.isArray(data) ? data.length : describeValue(data)}`,
      'inputs[0].data',
    );
  }
  const rows: number[][] = [];
  for (let r = 0; r < n; r++) {
    const row: number[] = [];
    for (let c = 0; c < width; c++) {
      const v = data[r * width + c];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RequestError(
          400,
          `inputs[0].data[${r * width + c}] (row ${r}, feature ${schema.features[c]?.name}) must be a finite number, got ${describeValue(v)}`,
          'inputs[0].data',
        );
      }
      const feature = schema.features[c];
      if (feature?.type === 'categorical' && !(Number.isInteger(v) && v >= 0 && v < feature.categories.length)) {
        throw new RequestError(
          400,
          `inputs[0].data[${r * width + c}] (row ${r}, ${feature.name}) must be a category code 0..${feature.categories.length - 1} (${feature.categories.join(', ')}), got ${v}`,
          'inputs[0].data',
        );
      }
      row.push(v);
    }
    rows.push(row);
  }
  const params = (req.parameters ?? {}) as Record<string, unknown>;
  const userId =
    typeof params.user_id === 'string' || typeof params.user_id === 'number'
      ? String(params.user_id)
      : (req.id as string | undefined);
  return { id: req.id as string | undefined, rows, userId };
}
