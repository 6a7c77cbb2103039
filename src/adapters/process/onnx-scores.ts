import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from './paths.ts';

/**
 * Scores rows with the exported ONNX models (onnxruntime in the Triton venv, the same
 * graphs Triton serves), so that the reference profile knows each model's predicted-label
 * rate on the training split. Inputs are FP32 as the gateway sends them; outputs are the
 * FP32 `score` tensor.
 */
export function scoreWithOnnx(
  rows: Float32Array,
  width: number,
  models: Record<string, string>,
  python = paths.venvPython(),
): Record<string, Float32Array> {
  if (!existsSync(python)) {
    throw new Error(`cannot score the reference: ${python} is missing (run scripts/setup.sh, or pass --no-scores)`);
  }
  for (const [name, file] of Object.entries(models)) {
    if (!existsSync(file))
      throw new Error(
        `cannot score the reference with ${name}: ${file} is missing (train the models: scripts/setup.sh)`,
      );
  }
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-scores-'));
  try {
    const input = join(dir, 'features.f32');
    writeFileSync(input, Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength));
    const script = [
      'import sys, json, numpy as np, onnxruntime as ort',
      'spec = json.loads(sys.argv[1])',
      "x = np.fromfile(spec['input'], dtype=np.float32).reshape(-1, spec['width'])",
      "for name, path in spec['models'].items():",
      "    s = ort.InferenceSession(path, providers=['CPUExecutionProvider'])",
      "    out = s.run(['score'], {'features': x})[0].reshape(-1).astype(np.float32)",
      "    out.tofile(spec['dir'] + '/' + name + '.f32')",
    ].join('\n');
    execFileSync(python, ['-c', script, JSON.stringify({ input, width, models, dir })], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 300_000,
    });
    return Object.fromEntries(
      Object.keys(models).map((name) => {
        const buffer = readFileSync(join(dir, `${name}.f32`));
        return [name, new Float32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4).slice()];
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
