import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { paths } from '../../adapters/process/paths.ts';

const execFileAsync = promisify(execFile);

export const CANDIDATE_KINDS = ['bad', 'failing', 'good'] as const;
/** A kind, or a kind with a suffix for a second candidate of the same kind: "good-2". */
export type CandidateKind = (typeof CANDIDATE_KINDS)[number] | `${(typeof CANDIDATE_KINDS)[number]}-${number}`;

export interface SeedResult {
  registered: string[];
  /** version -> Triton model or candidate kind */
  versions: Record<string, string>;
  /** candidate name -> version */
  candidates: Partial<Record<string, string>>;
  aliases: Record<string, string>;
}

/**
 * Registers the trained models (serving/registry/seed.py, in .venv-mlflow) and, optionally,
 * built candidates (serving/registry/candidates.py, in .venv where scikit-learn lives) in the
 * MLflow registry at `registryUrl`. Idempotent: a version whose ONNX is registered is reused.
 */
export async function seedRegistry(
  registryUrl: string,
  candidates: readonly CandidateKind[] = [],
): Promise<SeedResult> {
  const root = paths.root();
  const work = mkdtempSync(join(tmpdir(), 'steadystate-candidates-'));
  try {
    const dirs: string[] = [];
    for (const name of candidates) {
      const out = join(work, name);
      const kind = name.split('-')[0] as string;
      await execFileAsync(
        paths.venvPython(),
        [join(root, 'serving/registry/candidates.py'), '--kind', kind, '--name', name, '--out', out],
        { cwd: root },
      );
      dirs.push(out);
    }
    const { stdout } = await execFileAsync(
      join(root, '.venv-mlflow', 'bin', 'python'),
      [join(root, 'serving/registry/seed.py'), ...dirs.flatMap((d) => ['--candidate', d])],
      { cwd: root, env: { ...process.env, MLFLOW_TRACKING_URI: registryUrl }, maxBuffer: 16 * 1024 * 1024 },
    );
    const line = stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1);
    if (!line) throw new Error(`serving/registry/seed.py printed no result:\n${stdout.slice(-1000)}`);
    return JSON.parse(line) as SeedResult;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
