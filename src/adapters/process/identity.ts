import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Who a pid is. A pid alone is not an identity: Linux hands a freed pid to the next process
 * that starts, so a pid read back from a state file can name an unrelated process (a
 * shell's `sleep`, another user's server). A launcher records, at spawn time, the three
 * things that together tell one process from any later holder of its pid: the start time
 * in clock ticks since boot (/proc/<pid>/stat field 22, `starttime` in proc(5), fixed for
 * the life of a process and never reused while the machine is up), the executable
 * (/proc/<pid>/exe) and the command line (/proc/<pid>/cmdline). Anything that signals a
 * recorded pid checks all three first (supervisor.ts: signalVerified, stopVerified).
 */
export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks after boot). */
  startTime: number;
  /** The resolved executable, /proc/<pid>/exe. */
  exe: string;
  /** The command line, /proc/<pid>/cmdline. */
  argv: string[];
}

/** What /proc says about a pid now, or undefined when no such process runs (or it is a zombie). */
export function readIdentity(pid: number): ProcessIdentity | undefined {
  if (!(Number.isSafeInteger(pid) && pid > 0)) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = statFields(stat);
    if (!fields || fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a.length > 0);
    let exe: string;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // Another user's process: /proc hides exe, which is itself a mismatch for us.
      exe = '(unreadable)';
    }
    // field 22 is fields[19]: fields start at field 3 (state) after "pid (comm)".
    return { pid, startTime: Number(fields[19]), exe, argv };
  } catch {
    return undefined;
  }
}

/** The fields of /proc/<pid>/stat after "pid (comm)": comm may hold spaces and parentheses. */
export function statFields(stat: string): string[] | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  return stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
}

export type IdentityCheck =
  | { status: 'ours' }
  | { status: 'gone' }
  | { status: 'other'; mismatch: string[]; found: ProcessIdentity }
  | { status: 'unrecorded' };

/** The recorded part of an identity, as a stack-state file or an instance file holds it. */
export interface RecordedIdentity {
  pid: number;
  startTime?: number;
  exe?: string;
  argv?: string[];
}

/**
 * Pure: does the process found at the pid match the one recorded at launch? Every recorded
 * field must match; a record without a start time cannot be told from a reused pid at all.
 */
export function compareIdentity(expected: RecordedIdentity, found: ProcessIdentity | undefined): IdentityCheck {
  if (!found) return { status: 'gone' };
  if (expected.startTime === undefined) return { status: 'unrecorded' };
  const mismatch: string[] = [];
  if (found.startTime !== expected.startTime)
    mismatch.push(`start time ${found.startTime} (expected ${expected.startTime})`);
  if (expected.exe !== undefined && found.exe !== expected.exe)
    mismatch.push(`executable ${found.exe} (expected ${expected.exe})`);
  if (expected.argv !== undefined && found.argv.join('\0') !== expected.argv.join('\0'))
    mismatch.push(`command line ${quote(found.argv)} (expected ${quote(expected.argv)})`);
  return mismatch.length === 0 ? { status: 'ours' } : { status: 'other', mismatch, found };
}

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
}

/**
 * Throws unless the recorded process is the one running at its pid. `what` names it for the
 * message ("tritonserver", "redis-server (cache)"). A process that is simply gone is not an
 * error here: the caller decides what "not running" means.
 */
export function requireOurs(expected: RecordedIdentity, what: string): 'ours' | 'gone' {
  const check = compareIdentity(expected, readIdentity(expected.pid));
  if (check.status === 'ours' || check.status === 'gone') return check.status;
  if (check.status === 'unrecorded') {
    throw new IdentityError(
      `refusing to signal ${what} pid ${expected.pid}: the state records no start time for it, so it cannot be told from an unrelated process that got the pid later; restart the stack with a current steadystate (launchers record pid, start time, executable and command line)`,
    );
  }
  throw new IdentityError(
    `refusing to signal ${what} pid ${expected.pid}: it is not the process the stack started; found ${check.mismatch.join(', ')}. The recorded process has exited and the pid now belongs to something else: nothing was signalled; stop what remains of the stack by hand and start it again`,
  );
}

function quote(argv: readonly string[]): string {
  const shown = argv.join(' ');
  return JSON.stringify(shown.length > 160 ? `${shown.slice(0, 157)}...` : shown);
}

/** True when the recorded process itself runs (a pid held by another process is not ours). */
export function isRunning(expected: RecordedIdentity): boolean {
  return compareIdentity(expected, readIdentity(expected.pid)).status === 'ours';
}

/** Why a recorded process may not be signalled (IdentityError's message), or undefined: for preflight. */
export function identityRefusal(expected: RecordedIdentity, what: string): string | undefined {
  try {
    requireOurs(expected, what);
    return undefined;
  } catch (error) {
    if (error instanceof IdentityError) return error.message;
    throw error;
  }
}

/** Resident memory of a running process in bytes (/proc/<pid>/status VmRSS), or undefined when it is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
