// KServe v2 / Triton HTTP protocol types, as Triton 2.51 sends them.
// https://github.com/kserve/kserve/blob/master/docs/predict-api/v2/required_api.md

export type TensorDatatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

export interface InferInputTensor {
  name: string;
  shape: number[];
  datatype: TensorDatatype;
  data: number[] | string[] | boolean[];
  parameters?: Record<string, unknown>;
}

export interface InferRequest {
  id?: string;
  inputs: InferInputTensor[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
  parameters?: Record<string, unknown>;
}

export interface InferOutputTensor {
  name: string;
  shape: number[];
  datatype: TensorDatatype;
  data: number[];
}

export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs: InferOutputTensor[];
}

export interface TensorMetadata {
  name: string;
  datatype: TensorDatatype;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface RepositoryIndexEntry {
  name: string;
  version?: string;
  state?: string;
  reason?: string;
}

export interface ModelConfig {
  name: string;
  backend?: string;
  max_batch_size?: number;
  parameters?: Record<string, { string_value: string }>;
  dynamic_batching?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Per-model cumulative statistics from `GET /v2/models/{model}/stats`. */
export interface ModelStatistics {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: Record<string, { count: number; ns: number }>;
  batch_stats?: { batch_size: number; compute_infer: { count: number; ns: number } }[];
}
