import type { ModelRegistry, RegisteredVersion } from '../../core/deploy/registry.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';

/**
 * A registered version as a Triton model folder in the published repository:
 *   <tritonModel>/config.pbtxt       the version's Triton config, renamed to its Triton model
 *   <tritonModel>/1/model.onnx       the logged ONNX graph (sha256 checked against its tag)
 *   <tritonModel>/1/model.py         the CPU stand-in's python backend (local Triton only)
 * Written config last: Triton finds a model by its config, so a half-written folder is never loadable.
 */

export interface VersionFiles {
  mlmodel: string;
  onnx: Uint8Array;
  config: string;
  modelPy: Uint8Array | undefined;
}

export async function downloadVersion(registry: ModelRegistry, v: RegisteredVersion): Promise<VersionFiles> {
  const [mlmodel, onnx, config] = await Promise.all([
    registry.modelFile(v.name, v.version, 'MLmodel'),
    registry.modelFile(v.name, v.version, 'model.onnx'),
    registry.runFile(v.runId, 'triton/config.pbtxt'),
  ]);
  const modelPy = await registry.runFile(v.runId, 'triton/model.py').catch(() => undefined);
  const expected = v.tags.onnx_sha256;
  if (expected) {
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', onnx)).toString('hex');
    if (digest !== expected) {
      throw new Error(
        `version ${v.version}: model.onnx sha256 ${digest.slice(0, 12)} differs from its tag onnx_sha256 ${expected.slice(0, 12)}`,
      );
    }
  }
  return { mlmodel: new TextDecoder().decode(mlmodel), onnx, config: new TextDecoder().decode(config), modelPy };
}

/** The config with its `name:` set to the Triton model it is published as. */
export function renameConfig(config: string, tritonModel: string): string {
  if (!/^name: ".*"$/m.test(config)) return `name: "${tritonModel}"\n${config}`;
  return config.replace(/^name: ".*"$/m, `name: "${tritonModel}"`);
}

export async function publishVersion(store: ObjectStore, tritonModel: string, files: VersionFiles): Promise<string[]> {
  const keys = [`${tritonModel}/1/model.onnx`];
  await store.put(`${tritonModel}/1/model.onnx`, files.onnx);
  if (files.modelPy) {
    await store.put(`${tritonModel}/1/model.py`, files.modelPy);
    keys.push(`${tritonModel}/1/model.py`);
  }
  await store.put(`${tritonModel}/config.pbtxt`, renameConfig(files.config, tritonModel));
  keys.push(`${tritonModel}/config.pbtxt`);
  return keys;
}
