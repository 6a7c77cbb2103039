import type { FeatureSchema } from '../../core/spec/feature-schema.ts';
import { BatchTooLargeError, InvalidRequestError } from '../errors.ts';
import { describeValue } from './describe-value.ts';
import { numericFeatureProblem } from './feature-range.ts';

/** The logical model's outputs, in the order of its metadata. */
export const KSERVE_OUTPUTS = ['score', 'label'] as const;
export type KServeOutputName = (typeof KSERVE_OUTPUTS)[number];

/** An output the client asked for, and whether it wants it as raw bytes (binary tensor extension). */
export interface RequestedOutput {
  name: KServeOutputName;
  binary: boolean;
}

/** A decoded KServe v2 infer request for a logical model: rows of the model's input tensor. */
export interface KServeRows {
  id: string | undefined;
  rows: number[][];
  /** Routing key: `parameters.user_id` if given, else the request id, else random. */
  userId: string | undefined;
  /** What to answer with: every output unless the request lists some (Triton's rule). */
  outputs: RequestedOutput[];
}

const FLOAT32_BYTES = 4;

/**
 * Validates a KServe v2 infer request against the model's metadata (one FP32 input
 * [N, features] with 1 <= N <= maxBatch) before anything reaches Triton. `header` is the
 * JSON part; `binary` the bytes after it when the client used Triton's binary tensor
 * extension (an input with `parameters.binary_data_size` and no `data`).
 */
export function decodeKServeRequest(
  header: unknown,
  binary: Buffer | undefined,
  schema: FeatureSchema,
  maxBatch: number,
): KServeRows {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new InvalidRequestError(`the body must be a KServe v2 infer request object, got ${describeValue(header)}`);
  }
  const req = header as { id?: unknown; inputs?: unknown; outputs?: unknown; parameters?: unknown };
  if (req.id !== undefined && typeof req.id !== 'string')
    throw new InvalidRequestError(`id must be a string, got ${describeValue(req.id)}`, 'id');
  if (!Array.isArray(req.inputs) || req.inputs.length !== 1) {
    throw new InvalidRequestError(`inputs must be an array with exactly one tensor named "${schema.input}"`, 'inputs');
  }
  const input = req.inputs[0] as {
    name?: unknown;
    shape?: unknown;
    datatype?: unknown;
    data?: unknown;
    parameters?: unknown;
  };
  const width = schema.features.length;
  if (input?.name !== schema.input) {
    throw new InvalidRequestError(
      `inputs[0].name must be "${schema.input}", got ${describeValue(input?.name)}`,
      'inputs[0].name',
    );
  }
  if (input.datatype !== 'FP32') {
    throw new InvalidRequestError(
      `inputs[0].datatype must be "FP32", got ${describeValue(input.datatype)}`,
      'inputs[0].datatype',
    );
  }
  const shape = input.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d)) || shape[1] !== width) {
    throw new InvalidRequestError(
      `inputs[0].shape must be [N, ${width}], got ${JSON.stringify(shape)}`,
      'inputs[0].shape',
    );
  }
  const n = shape[0] as number;
  if (n < 1)
    throw new InvalidRequestError(`inputs[0].shape[0] (batch size) must be at least 1, got ${n}`, 'inputs[0].shape');
  if (n > maxBatch) {
    throw new BatchTooLargeError(
      `batch of ${n} rows exceeds the maximum of ${maxBatch}; split the request`,
      'inputs[0].shape',
    );
  }
  const values = tensorValues(input, binary, n, width);
  const rows: number[][] = [];
  for (let r = 0; r < n; r++) {
    const row: number[] = [];
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      const v = values[i];
      const feature = schema.features[c] as FeatureSchema['features'][number];
      const problem = numericFeatureProblem(feature, v);
      if (problem) {
        throw new InvalidRequestError(
          `inputs[0].data[${i}] (row ${r}, ${feature.name}) ${problem}, got ${typeof v === 'number' ? v : describeValue(v)}`,
          'inputs[0].data',
        );
      }
      row.push(v as number);
    }
    rows.push(row);
  }
  const params = objectOrEmpty(req.parameters, 'parameters');
  const userId =
    typeof params.user_id === 'string' || typeof params.user_id === 'number'
      ? String(params.user_id)
      : (req.id as string | undefined);
  return { id: req.id as string | undefined, rows, userId, outputs: requestedOutputs(req.outputs, params) };
}

/** The input's n * width values, from JSON `data` (flat or nested one level) or from the binary section. */
function tensorValues(
  input: { data?: unknown; parameters?: unknown },
  binary: Buffer | undefined,
  n: number,
  width: number,
): unknown[] {
  const params = objectOrEmpty(input.parameters, 'inputs[0].parameters');
  const size = params.binary_data_size;
  if (size === undefined) {
    let data = input.data;
    // KServe allows nested row-major arrays; flatten one level.
    if (Array.isArray(data) && data.length === n && data.every(Array.isArray)) data = (data as unknown[][]).flat();
    if (!Array.isArray(data) || data.length !== n * width) {
      throw new InvalidRequestError(
        `inputs[0].data must hold ${n * width} numbers (shape [${n}, ${width}]), got ${Array.isArray(data) ? data.length : describeValue(data)}`,
        'inputs[0].data',
      );
    }
    if (binary && binary.length > 0) {
      throw new InvalidRequestError(
        `the body carries ${binary.length} bytes of binary tensor data but no input declares parameters.binary_data_size`,
        'inputs[0].parameters.binary_data_size',
      );
    }
    return data;
  }
  const field = 'inputs[0].parameters.binary_data_size';
  const expected = n * width * FLOAT32_BYTES;
  if (input.data !== undefined)
    throw new InvalidRequestError('inputs[0] has both data and binary_data_size; send one of them', field);
  if (size !== expected) {
    throw new InvalidRequestError(
      `${field} must be ${expected} (${n} x ${width} FP32 values, 4 bytes each), got ${describeValue(size)}`,
      field,
    );
  }
  // Triton's rule: the binary section is exactly the inputs' bytes, in input order.
  if (!binary || binary.length !== expected) {
    throw new InvalidRequestError(
      `${field} is ${expected} but the body carries ${binary?.length ?? 0} bytes after the JSON header (Inference-Header-Content-Length)`,
      field,
    );
  }
  const values = new Array<number>(n * width);
  for (let i = 0; i < values.length; i++) values[i] = binary.readFloatLE(i * FLOAT32_BYTES);
  return values;
}

/** Triton: the listed outputs only, each binary per its `binary_data`, else per `binary_data_output`. */
function requestedOutputs(raw: unknown, params: Record<string, unknown>): RequestedOutput[] {
  if (params.binary_data_output !== undefined && typeof params.binary_data_output !== 'boolean') {
    throw new InvalidRequestError(
      `parameters.binary_data_output must be true or false, got ${describeValue(params.binary_data_output)}`,
      'parameters.binary_data_output',
    );
  }
  const binaryByDefault = params.binary_data_output === true;
  if (raw === undefined) return KSERVE_OUTPUTS.map((name) => ({ name, binary: binaryByDefault }));
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidRequestError(
      `outputs must be a non-empty array of {"name": ${KSERVE_OUTPUTS.map((o) => `"${o}"`).join(' | ')}}, or absent for all`,
      'outputs',
    );
  }
  const seen = new Set<string>();
  return raw.map((o, i) => {
    const out = (o ?? {}) as { name?: unknown; parameters?: unknown };
    const at = `outputs[${i}]`;
    if (!KSERVE_OUTPUTS.includes(out.name as KServeOutputName) || seen.has(out.name as string)) {
      throw new InvalidRequestError(
        `${at}.name must be one of ${KSERVE_OUTPUTS.join(', ')}, each at most once, got ${describeValue(out.name)}`,
        `${at}.name`,
      );
    }
    seen.add(out.name as string);
    const p = objectOrEmpty(out.parameters, `${at}.parameters`);
    if (p.classification !== undefined && p.classification !== 0) {
      throw new InvalidRequestError(
        `${at}.parameters.classification is not supported by this gateway; ask for the score and label outputs`,
        `${at}.parameters.classification`,
      );
    }
    if (p.binary_data !== undefined && typeof p.binary_data !== 'boolean') {
      throw new InvalidRequestError(
        `${at}.parameters.binary_data must be true or false, got ${describeValue(p.binary_data)}`,
        `${at}.parameters.binary_data`,
      );
    }
    return { name: out.name as KServeOutputName, binary: (p.binary_data as boolean | undefined) ?? binaryByDefault };
  });
}

function objectOrEmpty(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidRequestError(`${field} must be an object, got ${describeValue(value)}`, field);
  return value as Record<string, unknown>;
}
