import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ProcessIdentity, type RecordedIdentity, readIdentity, requireOurs } from './identity.ts';

/**
 * The one process supervisor: every launcher (Triton, Redis, the Prometheus family, the
 * gateway process, benches) starts, waits for and stops its process here, and every local
 * chaos action signals a recorded process here. What it adds over child_process:
 * - the identity (start time, executable, command line; identity.ts) recorded at spawn, so
 *   a pid written to a state file can later be checked before anything is signalled;
 * - one readiness wait that notices the process dying while it starts and quotes its log;
 * - one stop: SIGTERM, a grace period, then SIGKILL, on the process group for servers
 *   with helper processes (Triton's python-backend stubs);
 * - a process-exit hook so a crashed test leaves no attached children behind.
 */

export class SupervisorError extends Error {
  override readonly name = 'SupervisorError';
}

export interface SpawnSpec {
  /** For messages: "tritonserver", "redis-server". */
  what: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Own process group, not tied to this Node process (it may outlive a CLI run; a group
   * signal reaches its helpers). Default false: the child dies with us (exit hook).
   */
  detached?: boolean;
  /** stdout and stderr: appended to this file, piped (read `output()`), or dropped. Default 'ignore'. */
  output?: { file: string } | 'pipe' | 'ignore';
  /** What to tell the user when the command cannot be run at all (a missing Debian package). */
  missingHint?: string;
}

export interface Supervised {
  readonly what: string;
  readonly pid: number;
  /**
   * Recorded right after exec, and again once the process is ready (waitReady): a server
   * may rewrite its own command line while starting (redis-server sets its process title to
   * "redis-server 127.0.0.1:6379"). What a state file stores so later signals can be verified.
   */
  readonly identity: ProcessIdentity;
  /** Re-reads the identity of this same process (same start time) after it settled. */
  settle(): void;
  readonly child: ChildProcess;
  readonly logFile: string | undefined;
  /** Exit code (128 + n for a signal) once exited, else null. */
  exitCode(): number | null;
  readonly exited: Promise<number>;
  /** The last lines the process wrote (log file or pipe). */
  output(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const attached = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of attached) child.kill('SIGKILL');
  });
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };

/** Starts a process and records its identity; rejects (with `missingHint`) when it cannot be executed. */
export async function spawnSupervised(spec: SpawnSpec): Promise<Supervised> {
  installExitHook();
  const out =
    typeof spec.output === 'object' ? openSync(spec.output.file, 'a') : spec.output === 'pipe' ? 'pipe' : 'ignore';
  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: spec.detached ?? false,
    stdio: ['ignore', out, out],
  });
  // libuv reports a failed exec before 'spawn' fires, so after 'spawn' /proc shows the new image.
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        new SupervisorError(
          `cannot start ${spec.what} (${spec.command}): ${error.message}${spec.missingHint ? `; ${spec.missingHint}` : ''}`,
        ),
      ),
    );
    child.once('spawn', () => resolve());
  });
  const pid = child.pid as number;
  let piped = '';
  const keep = (d: Buffer) => {
    piped = (piped + d.toString()).slice(-16_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let code: number | null = null;
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (c, signal) => {
      code = c ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0);
      attached.delete(child);
      resolve(code);
    });
  });
  if (spec.detached) child.unref();
  else attached.add(child);
  let identity = readIdentity(pid) ?? {
    pid,
    startTime: Number.NaN,
    exe: spec.command,
    argv: [spec.command, ...spec.args],
  };
  const logFile = typeof spec.output === 'object' ? spec.output.file : undefined;
  const output = (lines = 25) => (logFile ? tailOf(logFile, lines) : lastLines(piped, lines));
  return {
    what: spec.what,
    pid,
    get identity() {
      return identity;
    },
    settle() {
      const now = readIdentity(pid);
      if (code === null && now && now.startTime === identity.startTime) identity = now;
    },
    child,
    logFile,
    exitCode: () => code,
    exited,
    output,
    // Until Node has seen the exit, the pid cannot have been reused: no identity check needed.
    async stop(graceMs = 10_000) {
      if (code !== null) return;
      signalPid(pid, 'SIGTERM', spec.detached ?? false);
      const forced = sleep(graceMs, undefined, { ref: false }).then(() => {
        if (code === null) signalPid(pid, 'SIGKILL', spec.detached ?? false);
      });
      await exited;
      void forced;
    },
  };
}

export interface ReadySpec {
  what: string;
  /** True once the process serves; errors count as "not yet". */
  probe: () => Promise<boolean>;
  timeoutMs: number;
  intervalMs?: number;
  /** Where it tells the user to look: "http://127.0.0.1:9090/-/ready". */
  where?: string;
}

/**
 * Waits until `probe` answers true. Fails at once, quoting the process's last output, when
 * the process exits first; fails with the same quote when the time is up (the process is
 * then stopped: a half-started server must not linger).
 */
export async function waitReady(process_: Supervised, spec: ReadySpec): Promise<void> {
  const deadline = Date.now() + spec.timeoutMs;
  while (true) {
    const code = process_.exitCode();
    if (code !== null) {
      throw new SupervisorError(`${spec.what} exited with code ${code} while starting:\n${process_.output()}`);
    }
    if (await spec.probe().catch(() => false)) {
      process_.settle();
      return;
    }
    if (Date.now() > deadline) {
      const output = process_.output();
      await process_.stop(2_000);
      throw new SupervisorError(
        `${spec.what} was not ready${spec.where ? ` on ${spec.where}` : ''} after ${spec.timeoutMs} ms:\n${output}`,
      );
    }
    await sleep(spec.intervalMs ?? 100);
  }
}

/** Polls `ready` until it resolves true; false when the time is up. */
export async function waitUntil(ready: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return true;
    await sleep(intervalMs);
  }
  return false;
}

export function isAlive(pid: number): boolean {
  return readIdentity(pid) !== undefined;
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

export interface VerifiedSignal {
  /** Signal the process group (the process and its helpers) where there is one. */
  group?: boolean;
}

/**
 * Sends `signal` to a recorded process after checking it is still the one recorded; throws
 * IdentityError (nothing sent) when the pid now belongs to another process. Returns 'gone'
 * when it is not running at all.
 */
export function signalVerified(
  ref: RecordedIdentity,
  signal: NodeJS.Signals,
  what: string,
  options: VerifiedSignal = {},
): 'signalled' | 'gone' {
  if (requireOurs(ref, what) === 'gone') return 'gone';
  signalPid(ref.pid, signal, options.group ?? false);
  return 'signalled';
}

export interface VerifiedStop extends VerifiedSignal {
  /** First signal; default SIGTERM. SIGKILL skips the grace period. */
  signal?: NodeJS.Signals;
  graceMs?: number;
}

/**
 * Stops a recorded process: identity check, `signal` (SIGTERM), then SIGKILL when it has not
 * exited after the grace period. 'gone' when it was not running; throws IdentityError before
 * sending anything when the pid belongs to another process.
 */
export async function stopVerified(
  ref: RecordedIdentity,
  what: string,
  options: VerifiedStop = {},
): Promise<'stopped' | 'killed' | 'gone'> {
  const signal = options.signal ?? 'SIGTERM';
  if (signalVerified(ref, signal, what, options) === 'gone') return 'gone';
  if (await waitForExit(ref.pid, signal === 'SIGKILL' ? 10_000 : (options.graceMs ?? 10_000))) return 'stopped';
  // Same process still (it has not exited, so the pid was not reused): no second check needed.
  signalPid(ref.pid, 'SIGKILL', options.group ?? false);
  await waitForExit(ref.pid, 10_000);
  return 'killed';
}

/** Restarts a process from a recorded command line (local chaos: Prometheus stopped, then started). */
export async function spawnDetached(
  argv: readonly string[],
  cwd: string,
  what = argv[0] ?? 'process',
): Promise<ProcessIdentity> {
  const [command, ...args] = argv;
  if (!command) throw new SupervisorError(`cannot start ${what}: empty command line`);
  const started = await spawnSupervised({ what, command, args, cwd, detached: true });
  return started.identity;
}

/** Command line and working directory of a running process (Linux /proc). */
export function commandOf(pid: number): { argv: string[]; cwd: string } | undefined {
  const identity = readIdentity(pid);
  if (!identity || identity.argv.length === 0) return undefined;
  try {
    return { argv: identity.argv, cwd: readlinkSync(`/proc/${pid}/cwd`) };
  } catch {
    return undefined;
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tailOf(file: string, lines = 25): string {
  try {
    return lastLines(readFileSync(file, 'utf8'), lines);
  } catch {
    return '(no log)';
  }
}

function lastLines(text: string, lines: number): string {
  const trimmed = text.trimEnd();
  return trimmed ? trimmed.split('\n').slice(-lines).join('\n') : '(no output)';
}

function signalPid(pid: number, signal: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    if (!group) return; // already gone
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
