import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { paths } from './paths.ts';

/**
 * Runs `steadystate gateway` as its own process: the way it runs in production, and so a
 * load generator in the calling process does not share its event loop.
 */
export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnGatewayProcess(opts: {
  specFile: string;
  port: number;
  tritonUrl?: string;
  adminToken: string;
  adminTokenEnv?: string;
  readyTimeoutMs?: number;
}): Promise<GatewayProcess> {
  const args = [join(paths.root(), 'src/cli/main.ts'), 'gateway', '--spec', opts.specFile, '--port', String(opts.port)];
  if (opts.tritonUrl) args.push('--triton-url', opts.tritonUrl);
  const child = spawn(process.execPath, args, {
    cwd: paths.root(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [opts.adminTokenEnv ?? 'STEADYSTATE_ADMIN_TOKEN']: opts.adminToken },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway not ready after ${opts.readyTimeoutMs ?? 60_000} ms:\n${stderr}`)),
      opts.readyTimeoutMs ?? 60_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with code ${code}:\n${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${opts.port}`,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
