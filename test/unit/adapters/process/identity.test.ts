import { afterEach, describe, expect, it } from 'vitest';
import {
  compareIdentity,
  IdentityError,
  type ProcessIdentity,
  readIdentity,
  statFields,
} from '../../../../src/adapters/process/identity.ts';
import {
  isAlive,
  signalVerified,
  spawnSupervised,
  stopVerified,
  waitReady,
} from '../../../../src/adapters/process/supervisor.ts';
import { bystanders } from '../../../fixtures/bystander.ts';

/** An unrelated process standing where a recorded pid points. */
const sleeps = bystanders();
const startSleep = sleeps.start;
afterEach(sleeps.killAll);

/** What the state recorded for a Triton that has since exited; its pid now names `pid`. */
function staleTritonRecord(pid: number): ProcessIdentity {
  const found = readIdentity(pid) as ProcessIdentity;
  return {
    pid,
    startTime: found.startTime - 500,
    exe: '/work/.steadystate/triton/runtime-py3.11/bin/tritonserver',
    argv: [
      '/work/.steadystate/triton/runtime-py3.11/bin/tritonserver',
      '--model-repository=/work/serving/model_repository',
    ],
  };
}

describe('process identity (pure comparison)', () => {
  const found: ProcessIdentity = {
    pid: 42,
    startTime: 1000,
    exe: '/usr/bin/redis-server',
    argv: ['redis-server', '--port', '6379'],
  };
  it.each<[string, Partial<ProcessIdentity>, string, RegExp?]>([
    ['the same start time, executable and command line', {}, 'ours'],
    ['another start time (the pid was reused)', { startTime: 999 }, 'other', /start time 1000 \(expected 999\)/],
    [
      'another executable',
      { exe: '/usr/bin/sleep' },
      'other',
      /executable \/usr\/bin\/redis-server \(expected \/usr\/bin\/sleep\)/,
    ],
    [
      'another command line',
      { argv: ['redis-server', '--port', '7000'] },
      'other',
      /command line "redis-server --port 6379" \(expected "redis-server --port 7000"\)/,
    ],
    ['no recorded start time', { startTime: undefined }, 'unrecorded'],
  ])('%s -> %s', (_name, change, status, message) => {
    const check = compareIdentity({ ...found, ...change }, found);
    expect(check.status).toBe(status);
    if (message && check.status === 'other') expect(check.mismatch.join(', ')).toMatch(message);
  });

  it('a process that is gone is "gone", not a mismatch', () => {
    expect(compareIdentity(found, undefined)).toEqual({ status: 'gone' });
  });

  it('reads field 22 after a command name holding spaces and parentheses', () => {
    const stat = `123 (a b) c)) S ${Array.from({ length: 50 }, (_, i) => i + 4).join(' ')}`;
    expect(statFields(stat)?.[19]).toBe('22');
  });

  it('reads this process: field 22 is stable, exe and argv are ours', () => {
    const a = readIdentity(process.pid);
    expect(a?.exe).toBe(process.execPath);
    expect(a?.startTime).toBeGreaterThan(0);
    expect(readIdentity(process.pid)?.startTime).toBe(a?.startTime);
  });
});

describe('signals to a recorded pid that an unrelated process now holds', () => {
  it.each<[string, (pid: number) => Promise<unknown>]>([
    [
      'signalVerified(SIGKILL)',
      async (pid) => signalVerified(staleTritonRecord(pid), 'SIGKILL', 'tritonserver', { group: true }),
    ],
    [
      'stopVerified (SIGTERM then SIGKILL)',
      (pid) => stopVerified(staleTritonRecord(pid), 'tritonserver', { group: true }),
    ],
  ])('%s refuses, sends nothing, and names the pid, what was expected and what was found', async (_name, act) => {
    const pid = startSleep();
    const error = await Promise.resolve()
      .then(() => act(pid))
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error).toBeInstanceOf(IdentityError);
    expect(error?.message).toContain(`tritonserver pid ${pid}`);
    expect(error?.message).toMatch(/expected \d+/);
    expect(error?.message).toMatch(/executable \/[^ ]*sleep \(expected \/work\/\.steadystate\/triton/);
    expect(error?.message).toMatch(/command line "sleep 300"/);
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(pid)).toBe(true);
  });

  it('refuses a record without a start time (a state written before identities were recorded)', () => {
    const pid = startSleep();
    expect(() => signalVerified({ pid }, 'SIGTERM', 'prometheus')).toThrow(
      new RegExp(`refusing to signal prometheus pid ${pid}: the state records no start time`),
    );
    expect(isAlive(pid)).toBe(true);
  });

  it('stops the recorded process itself: SIGTERM, then SIGKILL after the grace when it ignores SIGTERM', async () => {
    const stubborn = await spawnSupervised({
      what: 'stubborn',
      command: process.execPath,
      args: ['-e', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"],
      output: 'pipe',
      detached: true,
    });
    await waitReady(stubborn, {
      what: 'stubborn',
      timeoutMs: 10_000,
      probe: async () => stubborn.output().includes('up'),
    });
    expect(await stopVerified(stubborn.identity, 'stubborn', { graceMs: 300 })).toBe('killed');
    expect(isAlive(stubborn.pid)).toBe(false);
  });
});

describe('the supervisor', () => {
  it('fails a readiness wait at once when the process exits, quoting its output', async () => {
    const failing = await spawnSupervised({
      what: 'failing',
      command: process.execPath,
      args: ['-e', "console.error('bind: address already in use'); process.exit(3)"],
      output: 'pipe',
    });
    await expect(waitReady(failing, { what: 'failing', timeoutMs: 10_000, probe: async () => false })).rejects.toThrow(
      /failing exited with code 3 while starting:\n.*address already in use/,
    );
  });

  it('names the missing package when the binary cannot be run', async () => {
    await expect(
      spawnSupervised({ what: 'nothing', command: 'steadystate-no-such-binary', args: [], missingHint: 'install X' }),
    ).rejects.toThrow(/cannot start nothing \(steadystate-no-such-binary\): .*ENOENT; install X/);
  });
});
