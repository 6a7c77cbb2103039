import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcessIdentity } from './identity.ts';
import { signalVerified, spawnSupervised, stopVerified, waitReady } from './supervisor.ts';

/**
 * A real Redis (Debian's redis-server) on a loopback port, without persistence: the
 * prediction cache and online feature store for local runs and tests. It runs detached (a
 * game day kept with --keep outlives the CLI) and is stopped through its recorded identity.
 */
export interface RedisInstance {
  pid: number;
  /** Start time, executable and command line at launch (identity.ts). */
  startTime: number;
  exe: string;
  argv: string[];
  port: number;
  url: string;
  dir: string;
}

export async function startRedis(port: number): Promise<RedisInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const started = await spawnSupervised({
    what: 'redis-server',
    command: 'redis-server',
    args: [...args, '--dir', dir, '--daemonize', 'no'],
    detached: true,
    output: { file: join(dir, 'redis-server.log') },
    missingHint: "install Debian's redis-server (./scripts/setup.sh does)",
  }).catch((error: Error) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  await waitReady(started, {
    what: 'redis-server',
    where: `127.0.0.1:${port}`,
    timeoutMs: 10_000,
    intervalMs: 50,
    probe: () => ping(port),
  });
  return { ...identityFields(started.identity), port, url: `redis://127.0.0.1:${port}`, dir };
}

/** Kills it (no persistence: nothing to flush) after checking it is the Redis we started. */
export async function stopRedis(instance: Pick<RedisInstance, 'pid' | 'dir'> & Partial<RedisInstance>): Promise<void> {
  const what = `redis-server${instance.port ? ` :${instance.port}` : ''}`;
  // A paused (SIGSTOP) Redis must be woken to die cleanly.
  if (signalVerified(instance, 'SIGCONT', what) === 'signalled') {
    await stopVerified(instance, what, { signal: 'SIGKILL' });
  }
  rmSync(instance.dir, { recursive: true, force: true });
}

/** Freezes Redis (SIGSTOP): connections stay open but nothing answers, the nastiest failure. */
export function pauseRedis(instance: RedisInstance): void {
  signalVerified(instance, 'SIGSTOP', `redis-server :${instance.port}`);
}

export function resumeRedis(instance: RedisInstance): void {
  signalVerified(instance, 'SIGCONT', `redis-server :${instance.port}`);
}

function identityFields(identity: ProcessIdentity): Pick<RedisInstance, 'pid' | 'startTime' | 'exe' | 'argv'> {
  return { pid: identity.pid, startTime: identity.startTime, exe: identity.exe, argv: identity.argv };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
