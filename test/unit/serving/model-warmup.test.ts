import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/adapters/process/paths.ts';

/**
 * Every generated model config warms each instance before Triton reports the model ready
 * (serving/models/repository.py): otherwise the first request to each instance pays
 * onnxruntime's first run (26-33 ms instead of 3-5 on our CPU machines), and a fallback call
 * with only the 25 ms left of its deadline times out on it. A warm-up sample whose input does
 * not match the model's input makes Triton refuse to load the model, so the sample is checked
 * against the config's own input.
 */
const repositories = ['model_repository', 'model_repository_gpu'];

function configsOf(repository: string): { file: string; text: string }[] {
  const root = join(paths.root(), 'serving', repository);
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((model) => [
      join(root, model.name, 'config.pbtxt'),
      join(root, model.name, 'configs', 'response_cache.pbtxt'),
    ])
    .map((file) => ({ file, text: readFileSync(file, 'utf8') }));
}

const configs = repositories.flatMap(configsOf);

describe('generated Triton model configs warm every instance before readiness', () => {
  it('covers both repositories (CPU and GPU) and every model config in them', () => {
    expect(configs.length).toBeGreaterThanOrEqual(12);
  });

  it.each(configs.map((c) => [c.file.slice(paths.root().length + 1), c.text]))('%s', (_file, text) => {
    const input = /input \[ \{ name: "([^"]+)" data_type: (\w+) dims: \[ ([^\]]+) \] \} \]/.exec(text);
    expect(input, 'the config names one input').not.toBeNull();
    const [, name, dataType, dims = ''] = input as RegExpExecArray;
    const warmup = /model_warmup \[ \{([\s\S]*?)\} \]\n/.exec(text);
    expect(warmup, 'model_warmup block').not.toBeNull();
    const block = (warmup as RegExpExecArray)[1] as string;
    expect(block).toContain(
      `inputs { key: "${name}" value: { data_type: ${dataType} dims: [ ${dims.trim()} ] zero_data: true } }`,
    );
    const batch = Number(/batch_size: (\d+)/.exec(block)?.[1]);
    const maxBatch = Number(/^max_batch_size: (\d+)/m.exec(text)?.[1]);
    expect(batch).toBeGreaterThanOrEqual(1);
    expect(batch).toBeLessThanOrEqual(maxBatch);
    expect(Number(/count: (\d+)/.exec(block)?.[1])).toBeGreaterThanOrEqual(1);
  });
});
