import type { ProcessIdentity } from '../identity.ts';
import { freePort, isPortFree } from '../ports.ts';
import { spawnSupervised, waitReady } from '../supervisor.ts';

export class ClusterStartError extends Error {
  override readonly name = 'ClusterStartError';
}

/** What the state file keeps of one control-plane process: enough to stop it from another run, safely. */
export interface ComponentRecord extends ProcessIdentity {
  what: string;
  logFile: string;
}

export interface RunningComponent {
  record: ComponentRecord;
  stop(): Promise<void>;
}

export interface ComponentSpec {
  what: string;
  command: string;
  args: string[];
  cwd: string;
  logFile: string;
  detached: boolean;
  probe: () => Promise<boolean>;
  where: string;
  timeoutMs: number;
}

/** Starts one control-plane process through the supervisor and waits until its health endpoint answers. */
export async function launchComponent(spec: ComponentSpec): Promise<RunningComponent> {
  const process_ = await spawnSupervised({
    what: spec.what,
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    detached: spec.detached,
    output: { file: spec.logFile },
    missingHint: 'build it with `scripts/tools/build-kubernetes.sh` (run by ./scripts/setup.sh)',
  });
  try {
    await waitReady(process_, { what: spec.what, probe: spec.probe, where: spec.where, timeoutMs: spec.timeoutMs });
  } catch (error) {
    const message = (error as Error).message;
    // Free ports are picked just before starting; another program can take one in between.
    const taken = /address already in use/i.test(message)
      ? ' (a port it was given was taken meanwhile by another program: run `steadystate cluster up` again)'
      : '';
    throw new ClusterStartError(`${message}${taken}\n(full log: ${spec.logFile})`);
  }
  const record: ComponentRecord = { what: spec.what, ...process_.identity, logFile: spec.logFile };
  return { record, stop: () => process_.stop(10_000) };
}

export interface ClusterPorts {
  etcd: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

/** Free loopback ports for every component; a requested API server port must be free now. */
export async function pickPorts(apiserverPort?: number): Promise<ClusterPorts> {
  if (apiserverPort !== undefined && !(await isPortFree(apiserverPort))) {
    throw new ClusterStartError(
      `port ${apiserverPort} on 127.0.0.1 is taken by another program; pick another with --port, or leave --port out for a free one`,
    );
  }
  const picked = new Set<number>(apiserverPort !== undefined ? [apiserverPort] : []);
  const next = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!picked.has(port)) {
        picked.add(port);
        return port;
      }
    }
  };
  return {
    etcd: await next(),
    etcdPeer: await next(),
    apiserver: apiserverPort ?? (await next()),
    controllerManager: await next(),
    scheduler: await next(),
    kwok: await next(),
  };
}
