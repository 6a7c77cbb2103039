import { InvalidRequestError } from '../errors.ts';
import { parseJsonBody } from '../http/json-body.ts';
import type { RequestedOutput } from '../validation/kserve-request.ts';

/**
 * Triton's binary tensor data extension (docs/protocol/extension_binary_data.md): the body is
 * a JSON header of `Inference-Header-Content-Length` bytes, then the raw little-endian tensors
 * in order. Without the header the whole body is JSON, whatever the Content-Type (the official
 * client sends none).
 */
export const HEADER_LENGTH = 'inference-header-content-length';

export interface InferBody {
  header: unknown;
  /** The bytes after the JSON header; undefined for a plain JSON body. */
  binary: Buffer | undefined;
}

export function splitInferBody(body: Buffer, headerLength: string | string[] | undefined): InferBody {
  if (headerLength === undefined) return { header: parseJson(body), binary: undefined };
  const raw = Array.isArray(headerLength) ? headerLength[0] : headerLength;
  const n = Number(raw);
  if (!/^\d+$/.test(raw ?? '') || n < 1 || n > body.length) {
    throw new InvalidRequestError(
      `Inference-Header-Content-Length must be the byte length of the JSON header, 1..${body.length} for this body, got ${JSON.stringify(raw)}`,
      'Inference-Header-Content-Length',
    );
  }
  return { header: parseJson(body.subarray(0, n)), binary: body.subarray(n) };
}

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  return parseJsonBody(bytes.toString('utf8'));
}

export interface OutputTensor {
  name: RequestedOutput['name'];
  datatype: 'FP32' | 'INT32';
  values: readonly number[];
}

/** A response with at least one binary output: the JSON header and the bytes to send after it. */
export interface BinaryInferResponse {
  headerLength: number;
  body: Buffer;
}

/**
 * Lays out the response as Triton does: each binary output carries
 * `parameters.binary_data_size` instead of `data`, and its bytes follow the JSON header in
 * output order. Returns undefined when every output is JSON (the caller sends plain JSON).
 */
export function encodeBinaryResponse(
  envelope: Record<string, unknown>,
  tensors: readonly { tensor: OutputTensor; binary: boolean }[],
): { json: Record<string, unknown> } | BinaryInferResponse {
  const blobs: Buffer[] = [];
  const outputs = tensors.map(({ tensor, binary }) => {
    const shape = [tensor.values.length, 1];
    if (!binary) return { name: tensor.name, datatype: tensor.datatype, shape, data: tensor.values };
    const bytes = Buffer.allocUnsafe(tensor.values.length * 4);
    tensor.values.forEach((v, i) => {
      if (tensor.datatype === 'FP32') bytes.writeFloatLE(v, i * 4);
      else bytes.writeInt32LE(v, i * 4);
    });
    blobs.push(bytes);
    return { name: tensor.name, datatype: tensor.datatype, shape, parameters: { binary_data_size: bytes.length } };
  });
  const json = { ...envelope, outputs };
  if (blobs.length === 0) return { json };
  const header = Buffer.from(JSON.stringify(json), 'utf8');
  return { headerLength: header.length, body: Buffer.concat([header, ...blobs]) };
}
