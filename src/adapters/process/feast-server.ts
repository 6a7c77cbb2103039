import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { type FeastEnv, feastEnvironment, feastPaths } from '../feast/feast-tool.ts';
import { type Supervised, spawnSupervised, waitReady } from './supervisor.ts';

/**
 * Feast's own feature server (`feast serve`, HTTP) on a loopback port, for the `feast-serve`
 * backend and the side-by-side lookup benchmark. One worker: the comparison is per lookup.
 */
export interface FeastServer {
  process: Supervised;
  url: string;
}

export async function startFeastServer(env: FeastEnv, port: number): Promise<FeastServer> {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-feast-serve-'));
  const started = await spawnSupervised({
    what: 'feast serve',
    command: feastPaths.feast(),
    args: ['--chdir', feastPaths.repo(), 'serve', '-h', '127.0.0.1', '-p', String(port), '-w', '1', '--no-access-log'],
    env: feastEnvironment(env),
    output: { file: join(dir, 'feast-serve.log') },
    missingHint: 'scripts/setup.sh step 7 creates .venv-feast (Feast)',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(started, {
    what: 'feast serve',
    where: `${url}/health`,
    timeoutMs: 120_000,
    intervalMs: 250,
    probe: async () => {
      const res = await request(`${url}/health`);
      await res.body.dump();
      return res.statusCode === 200;
    },
  });
  return { process: started, url };
}
