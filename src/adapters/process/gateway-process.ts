import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ProcessIdentity } from './identity.ts';
import { paths } from './paths.ts';
import { spawnSupervised, waitReady } from './supervisor.ts';

/**
 * Runs `steadystate gateway` as its own process: the way it runs in production, and so a
 * load generator in the calling process does not share its event loop.
 */
export interface GatewayProcess {
  url: string;
  pid: number;
  /** Start time, executable and command line at launch (identity.ts). */
  identity: ProcessIdentity;
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
  /** Append the gateway's output (pino JSON: 5xx, fallbacks, breaker transitions) here instead of a pipe. */
  logFile?: string;
  /** Node flags before the script, e.g. the pod's heap size (generators/k8s/gateway.ts gatewayHeapFlag). */
  nodeFlags?: string[];
}): Promise<GatewayProcess> {
  const args = [
    ...(opts.nodeFlags ?? []),
    join(paths.root(), 'src/cli/main.ts'),
    'gateway',
    '--spec',
    opts.specFile,
    '--port',
    String(opts.port),
  ];
  if (opts.tritonUrl) args.push('--triton-url', opts.tritonUrl);
  const gateway = await spawnSupervised({
    what: 'gateway',
    command: process.execPath,
    args,
    cwd: paths.root(),
    output: opts.logFile ? { file: opts.logFile } : 'pipe',
    env: { ...process.env, [opts.adminTokenEnv ?? 'STEADYSTATE_ADMIN_TOKEN']: opts.adminToken },
  });
  // The gateway prints "listening" once its port is bound (src/cli/commands/gateway.ts).
  let listening = false;
  gateway.child.stdout?.on('data', (d: Buffer) => {
    if (d.toString().includes('listening')) listening = true;
  });
  await waitReady(gateway, {
    what: 'gateway',
    where: `127.0.0.1:${opts.port}`,
    timeoutMs: opts.readyTimeoutMs ?? 60_000,
    intervalMs: 50,
    probe: async () => listening || (opts.logFile !== undefined && gateway.output(50).includes('listening')),
  });
  return {
    url: `http://127.0.0.1:${opts.port}`,
    pid: gateway.pid,
    identity: gateway.identity,
    child: gateway.child,
    stop: () => gateway.stop(10_000),
  };
}
