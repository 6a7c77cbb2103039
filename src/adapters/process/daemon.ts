import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ProcessIdentity } from './identity.ts';
import { freePort } from './ports.ts';
import { type Supervised, spawnSupervised, waitReady } from './supervisor.ts';

/**
 * Runs a Debian service binary (prometheus, prometheus-alertmanager,
 * prometheus-pushgateway) as a child on a free loopback port, in a temp dir of its own,
 * waits until its readiness endpoint answers, and stops it cleanly. Small on purpose:
 * tests, benches and the game day start several of these side by side.
 */

export interface DaemonSpec {
  /** For messages and the temp dir name. */
  name: string;
  binary: string;
  /** Files to write into the daemon's dir before it starts (relative path -> content). */
  files?: Record<string, string>;
  args(port: number, dir: string): string[];
  /** HTTP path that answers 200 once the daemon serves, e.g. /-/ready. */
  readyPath: string;
  port?: number;
  readyTimeoutMs?: number;
  /** Keep the dir (data, log) after stop; default: removed. */
  keepDir?: boolean;
}

export interface Daemon {
  name: string;
  pid: number;
  /** Start time, executable and command line at launch: what a stack-state file records. */
  identity: ProcessIdentity;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

export class DaemonLaunchError extends Error {
  override readonly name = 'DaemonLaunchError';
}

export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), `steadystate-${spec.name}-`));
  for (const [path, content] of Object.entries(spec.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  // A port handed out by the kernel can be taken before the daemon binds it (several test
  // runs share the machine): retry on "address already in use".
  const attempts = spec.port ? 1 : 3;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = spec.port ?? (await freePort());
    try {
      return await launch(spec, dir, port, attempt);
    } catch (error) {
      lastError = error as Error;
      if (!/address already in use/i.test(lastError.message)) break;
    }
  }
  if (!spec.keepDir) rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new DaemonLaunchError(`${spec.name} did not start`);
}

async function launch(spec: DaemonSpec, dir: string, port: number, attempt: number): Promise<Daemon> {
  const logFile = join(dir, `${spec.name}${attempt > 0 ? `-${attempt}` : ''}.log`);
  let process_: Supervised;
  try {
    process_ = await spawnSupervised({
      what: spec.name,
      command: spec.binary,
      args: spec.args(port, dir),
      cwd: dir,
      output: { file: logFile },
      missingHint: 'is the Debian package installed? (./scripts/setup.sh installs it)',
    });
  } catch (error) {
    throw new DaemonLaunchError((error as Error).message);
  }
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await process_.stop(10_000);
    if (!spec.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(process_, {
      what: spec.name,
      where: `${url}${spec.readyPath}`,
      timeoutMs: spec.readyTimeoutMs ?? 30_000,
      probe: () => fetch(`${url}${spec.readyPath}`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok),
    });
  } catch (error) {
    throw new DaemonLaunchError((error as Error).message);
  }
  return { name: spec.name, pid: process_.pid, identity: process_.identity, port, url, dir, logFile, stop };
}
