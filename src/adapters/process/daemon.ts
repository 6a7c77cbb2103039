import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './ports.ts';

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

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A crashed test must not leave services behind: kill what is still running when Node exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  installExitHook();
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
  const out = openSync(logFile, 'w');
  const child = spawn(spec.binary, spec.args(port, dir), { cwd: dir, stdio: ['ignore', out, out] });
  let exited: number | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? 128 : -1);
      running.delete(child);
      resolve();
    });
  });
  child.once('error', () => undefined);
  if (child.pid === undefined) {
    throw new DaemonLaunchError(
      `could not run ${spec.binary}; is the Debian package installed? (./scripts/setup.sh installs it)`,
    );
  }
  running.add(child);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 10_000) => {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    }
    if (!spec.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 30_000);
  while (true) {
    if (exited !== null) {
      throw new DaemonLaunchError(`${spec.name} exited with code ${exited} while starting:\n${tail(logFile)}`);
    }
    const ready = await fetch(`${url}${spec.readyPath}`, { signal: AbortSignal.timeout(1_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop(2_000);
      throw new DaemonLaunchError(
        `${spec.name} was not ready on ${url}${spec.readyPath} after ${spec.readyTimeoutMs ?? 30_000} ms:\n${tail(logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name: spec.name, pid: child.pid, port, url, dir, logFile, stop: () => stop() };
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
