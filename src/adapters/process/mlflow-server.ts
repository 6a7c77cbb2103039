import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProcessIdentity } from './identity.ts';
import { projectRoot } from './paths.ts';
import { freePort } from './ports.ts';
import { type Supervised, spawnSupervised, waitReady } from './supervisor.ts';

/**
 * The model registry: a real MLflow 3.17.2 tracking + registry server from `.venv-mlflow`
 * (scripts/setup.sh), sqlite backend and artifacts in `dataDir`, on a loopback port. The
 * data dir outlives the process, so a server stopped by the `model-registry-unavailable`
 * fault starts again (a new `startMlflow` on the same port and data) with every version and
 * alias it had.
 */

export interface MlflowStartOptions {
  /** Holds mlflow.db (sqlite) and artifacts/; created when missing, kept after stop. */
  dataDir: string;
  port?: number;
  readyTimeoutMs?: number;
  /** Extra environment (e.g. MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY). */
  env?: NodeJS.ProcessEnv;
}

export interface MlflowServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  dataDir: string;
  logFile: string;
  pid(): number | undefined;
  /** The running server's identity (pid, start time, executable, command line), for a stack state. */
  identity(): ProcessIdentity | undefined;
  running(): boolean;
  /** SIGTERM to the process group (gunicorn/uvicorn workers), then SIGKILL. */
  stop(): Promise<void>;
}

export function mlflowBinary(root = projectRoot()): string {
  return join(root, '.venv-mlflow', 'bin', 'mlflow');
}

export async function startMlflow(options: MlflowStartOptions): Promise<MlflowServer> {
  const binary = mlflowBinary();
  if (!existsSync(binary)) {
    throw new Error(`MLflow is not installed: ${binary} is missing; run ./scripts/setup.sh (it builds .venv-mlflow)`);
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(join(dataDir, 'artifacts'), { recursive: true });
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(dataDir, 'mlflow-server.log');
  // Webhook secrets are stored encrypted with this key; without it MLflow makes a new one per
  // process and a restarted server could no longer sign deliveries. One key per data dir.
  const keyFile = join(dataDir, 'webhook-secret.key');
  if (!existsSync(keyFile)) writeFileSync(keyFile, `${randomBytes(32).toString('base64url')}=`, { mode: 0o600 });
  const webhookKey = readFileSync(keyFile, 'utf8').trim();
  let current: Supervised | undefined;

  const launch = async (): Promise<void> => {
    const started = await spawnSupervised({
      what: 'mlflow server',
      command: binary,
      args: [
        'server',
        '--backend-store-uri',
        `sqlite:///${join(dataDir, 'mlflow.db')}`,
        '--artifacts-destination',
        join(dataDir, 'artifacts'),
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--workers',
        '1',
      ],
      // Own group: `mlflow server` runs uvicorn/gunicorn as children; a stop must reach them.
      detached: true,
      env: {
        ...process.env,
        // Webhooks to the loopback deploy receiver (MLflow refuses private addresses by default).
        MLFLOW_WEBHOOK_ALLOWED_SCHEMES: 'http,https',
        MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: 'true',
        MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY: webhookKey,
        // MLflow caches the webhook list per event (default 60 s): a webhook registered within
        // a minute of the last alias move would miss the next one. 5 s is cheap for one registry.
        MLFLOW_WEBHOOK_CACHE_TTL: '5',
        // The server's job runner (GenAI evaluation jobs) starts a runner and seven huey
        // consumers: a registry needs none of them, and two shared cores feel each one.
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
        ...options.env,
      },
      output: { file: logFile },
      missingHint: 'run ./scripts/setup.sh (it builds .venv-mlflow with mlflow==3.17.2)',
    });
    current = started;
    await waitReady(started, {
      what: 'mlflow server',
      where: `${url}/health`,
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      intervalMs: 250,
      probe: async () => (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })).ok,
    });
  };
  await launch();

  return {
    url,
    port,
    dataDir,
    logFile,
    pid: () => (current && current.exitCode() === null ? current.pid : undefined),
    identity: () => (current && current.exitCode() === null ? current.identity : undefined),
    running: () => current !== undefined && current.exitCode() === null,
    stop: async () => {
      if (current && current.exitCode() === null) await current.stop(5_000);
    },
  };
}
