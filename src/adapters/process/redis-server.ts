import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Redis (Debian's redis-server) on a loopback port, without persistence: the
 * prediction cache and online feature store for local runs and tests.
 */
export interface RedisInstance {
  pid: number;
  port: number;
  url: string;
  dir: string;
}

export async function startRedis(port: number): Promise<RedisInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ],
    { stdio: 'ignore', detached: true },
  );
  let failed: Error | undefined;
  child.once('error', (error) => {
    failed = new Error(
      `cannot start redis-server (${error.message}); install Debian's redis-server (./scripts/setup.sh does)`,
    );
  });
  child.unref();
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (failed) throw failed;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { pid: child.pid as number, port, url: `redis://127.0.0.1:${port}`, dir };
}

export async function stopRedis(instance: RedisInstance): Promise<void> {
  signal(instance.pid, 'SIGCONT');
  signal(instance.pid, 'SIGKILL');
  const deadline = Date.now() + 5_000;
  while (alive(instance.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  rmSync(instance.dir, { recursive: true, force: true });
}

/** Freezes Redis (SIGSTOP): connections stay open but nothing answers, the nastiest failure. */
export function pauseRedis(instance: RedisInstance): void {
  signal(instance.pid, 'SIGSTOP');
}

export function resumeRedis(instance: RedisInstance): void {
  signal(instance.pid, 'SIGCONT');
}

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
