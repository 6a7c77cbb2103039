import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BatchingVariant, withBatchingVariant, withoutDynamicBatching } from './triton-config.ts';

/**
 * A temporary Triton model repository holding `model` as shipped (dynamic batching on) and
 * `<model>_nobatch`: the same model.onnx and model.py, its config without dynamic_batching.
 * feature_schema.json sits at the root, where the launcher's test prediction reads it.
 */
export function buildBatchingRepository(source: string, model: string): { dir: string; on: string; off: string } {
  const { dir, names } = buildVariantRepository(source, model, { nobatch: 'off' });
  return { dir, on: model, off: names.nobatch as string };
}

/**
 * A temporary repository with `model` as shipped plus one copy per variant, named
 * `<model>_<key>`: 'off' = without dynamic_batching, otherwise the knobs replaced.
 */
export function buildVariantRepository(
  source: string,
  model: string,
  variants: Record<string, 'off' | BatchingVariant>,
): { dir: string; names: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-batching-'));
  cpSync(join(source, model), join(dir, model), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  const config = readFileSync(join(source, model, 'config.pbtxt'), 'utf8');
  const names: Record<string, string> = {};
  for (const [key, variant] of Object.entries(variants)) {
    const name = `${model}_${key}`;
    names[key] = name;
    cpSync(join(source, model), join(dir, name), { recursive: true, filter: (src) => !src.includes('__pycache__') });
    writeFileSync(
      join(dir, name, 'config.pbtxt'),
      variant === 'off' ? withoutDynamicBatching(config, name) : withBatchingVariant(config, name, variant),
    );
  }
  cpSync(join(source, 'feature_schema.json'), join(dir, 'feature_schema.json'));
  return { dir, names };
}
