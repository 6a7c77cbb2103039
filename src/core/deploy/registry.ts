/**
 * The model registry port the deploy service reads versions through and moves aliases
 * with (MLflow in `adapters/registry/mlflow-registry.ts`; an in-memory fake in tests).
 * `RegistryUnavailableError` means "could not ask" (connection refused, timeout, 5xx): the
 * deploy retries it with backoff. Any other error is an answer (no such version) and ends it.
 */

export interface RegisteredVersion {
  name: string;
  version: string;
  createdAtMs: number;
  runId: string;
  tags: Record<string, string>;
  aliases: string[];
}

export interface VersionRef {
  version?: string;
  alias?: string;
}

export interface ModelRegistry {
  readonly url: string;
  resolve(name: string, ref: VersionRef): Promise<RegisteredVersion>;
  /** The version an alias points at, or undefined when the alias is not set. */
  aliasVersion(name: string, alias: string): Promise<string | undefined>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  /** The run's metrics (latest value per key). */
  runMetrics(runId: string): Promise<Record<string, number>>;
  /** A file of the version's logged model (`MLmodel`, `model.onnx`). */
  modelFile(name: string, version: string, path: string): Promise<Uint8Array>;
  /** A file of the version's run (`triton/config.pbtxt`, `triton/model.py`). */
  runFile(runId: string, path: string): Promise<Uint8Array>;
}

export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
}

/** The signature inputs of an MLmodel file (YAML with the columns as a JSON string). */
export function signatureInputs(mlmodel: string): { name: string; type: string }[] | undefined {
  const match = /^ {2}inputs: '([\s\S]*?)'\n {2}\w/m.exec(mlmodel);
  if (!match) return undefined;
  const json = (match[1] as string).replace(/\n\s+/g, ' ').replace(/''/g, "'");
  try {
    const columns = JSON.parse(json) as { name?: string; type?: string }[];
    return columns.map((c) => ({ name: String(c.name), type: String(c.type) }));
  } catch {
    return undefined;
  }
}
