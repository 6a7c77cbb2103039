import { join } from 'node:path';
import { paths } from './paths.ts';
import { type Supervised, spawnSupervised } from './supervisor.ts';

/**
 * Runs `steadystate batch score` as its own process, as a Job's pod runs it: the spot
 * notice is a real SIGTERM to it (through `signalVerified` on its recorded identity), and its
 * exit code says complete (0), interrupted and resumable (75) or refused (2).
 */
export interface BatchProcess {
  process: Supervised;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

export async function spawnBatchJob(opts: {
  /** Arguments after `batch score` (--spec, --input, --output, --triton-url ...). */
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): Promise<BatchProcess> {
  const started = await spawnSupervised({
    what: 'batch job',
    command: process.execPath,
    args: [join(paths.root(), 'src/cli/main.ts'), 'batch', 'score', ...opts.args],
    cwd: opts.cwd ?? paths.root(),
    output: 'pipe',
    env: { ...process.env, ...opts.env },
  });
  return { process: started, exited: started.exited, output: () => started.output(1_000) };
}
