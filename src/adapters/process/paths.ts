import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout root: the nearest folder above this file holding package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('steadystate: cannot find the project root (no package.json above the sources)');
    dir = up;
  }
  return dir;
}

export const paths = {
  root: () => projectRoot(),
  venv: () => join(projectRoot(), '.venv'),
  venvPython: () => join(projectRoot(), '.venv', 'bin', 'python'),
  /** Python with scipy, gbstats, evidently, alibi-detect: the reference implementations. */
  peersPython: () => join(projectRoot(), '.venv-peers', 'bin', 'python'),
  modelRepository: () => join(projectRoot(), 'serving', 'model_repository'),
  featureSchema: () => join(projectRoot(), 'serving', 'model_repository', 'feature_schema.json'),
  /** Runtime state (pid files, logs, prepared Triton binaries); git-ignored. */
  state: (...parts: string[]) => resolve(projectRoot(), '.steadystate', ...parts),
};
