import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';

/** Process control: signals, liveness, and starting a process again as it was (local chaos, Triton stop). */

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie answers signal 0; it is dead for our purposes.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Signals the process group (the process and its helpers, e.g. Triton's backend stubs), else the process. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** The command line and working directory of a running process (Linux /proc). */
export function commandOf(pid: number): { argv: string[]; cwd: string } | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a.length > 0);
    return argv.length > 0 ? { argv, cwd: readlinkSync(`/proc/${pid}/cwd`) } : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a process detached from the runner (it outlives a CLI run); returns its pid. */
export function spawnDetached(argv: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    if (!command) {
      reject(new Error('empty command line'));
      return;
    }
    const child = spawn(command, args, { cwd, detached: true, stdio: 'ignore' });
    child.once('error', (error) => reject(new Error(`cannot start ${command}: ${error.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve(child.pid as number);
    });
  });
}

/** Polls `ready` every 100 ms until it resolves true; false when the time is up. */
export async function waitUntil(ready: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
