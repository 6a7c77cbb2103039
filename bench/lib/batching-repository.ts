import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withoutDynamicBatching } from './triton-config.ts';

/**
 * A temporary Triton model repository holding `model` as shipped (dynamic batching on) and
 * `<model>_nobatch`: the same model.onnx and model.py, its config without dynamic_batching.
 * feature_schema.json sits at the root, where the launcher's test prediction reads it.
 */
export function buildBatchingRepository(source: string, model: string): { dir: string; on: string; off: string } {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-batching-'));
  const off = `${model}_nobatch`;
  cpSync(join(source, model), join(dir, model), { recursive: true });
  cpSync(join(source, model), join(dir, off), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  writeFileSync(
    join(dir, off, 'config.pbtxt'),
    withoutDynamicBatching(readFileSync(join(source, model, 'config.pbtxt'), 'utf8'), off),
  );
  cpSync(join(source, 'feature_schema.json'), join(dir, 'feature_schema.json'));
  return { dir, on: model, off };
}
