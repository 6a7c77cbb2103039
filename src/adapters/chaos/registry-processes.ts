import { readFileSync } from 'node:fs';
import { identityRefusal, isRunning } from '../process/identity.ts';
import { startMlflow } from '../process/mlflow-server.ts';
import { startObjectStore } from '../process/object-store-server.ts';
import { isPortFree } from '../process/ports.ts';
import { stopVerified, waitUntil } from '../process/supervisor.ts';
import type { RegistryRef } from './local-stack.ts';

/**
 * The registry side of a local stack going down and coming back, for real: MLflow and the
 * versitygw S3 store stopped through the supervisor after an identity check (a pid in a stale
 * state file may be anyone's by now), then started again by their own launchers on the same
 * ports and data, detached so they outlive a `steadystate chaos run`. The refs are updated in
 * place with the new processes' identities; the caller saves the state.
 */

const MLFLOW = 'mlflow server';
const VERSITYGW = 'versitygw';

/** Why the processes the ref names may not be signalled, or undefined. */
export function registryIdentityRefusal(ref: RegistryRef): string | undefined {
  return identityRefusal(ref.mlflow, MLFLOW) ?? identityRefusal(ref.objectStore, VERSITYGW);
}

export interface S3Credentials {
  accessKey: string;
  secretKey: string;
}

/** The store's keys (never in the state file itself). */
export function readCredentials(file: string): S3Credentials {
  let parsed: Partial<S3Credentials>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<S3Credentials>;
  } catch (error) {
    throw new Error(
      `cannot read the model store's credentials ${file} (${(error as Error).message}); the registry was started without them: stop it and start the stack again`,
    );
  }
  if (typeof parsed.accessKey !== 'string' || typeof parsed.secretKey !== 'string')
    throw new Error(`${file}: expected {"accessKey": "...", "secretKey": "..."}`);
  return { accessKey: parsed.accessKey, secretKey: parsed.secretKey };
}

/** Stops both (MLflow with its worker processes); throws before any signal when one is not ours. */
export async function stopRegistryProcesses(ref: RegistryRef): Promise<string> {
  const refusal = registryIdentityRefusal(ref);
  if (refusal) throw new Error(refusal);
  const [mlflow, store] = await Promise.all([
    stopVerified(ref.mlflow, MLFLOW, { group: true, graceMs: 5_000 }),
    stopVerified(ref.objectStore, VERSITYGW, { graceMs: 5_000 }),
  ]);
  const said = (what: string, pid: number, r: string) =>
    r === 'gone' ? `${what} ${pid} was not running` : `${what} ${pid} stopped`;
  return `${said(MLFLOW, ref.mlflow.pid, mlflow)} (${ref.mlflow.url}), ${said(VERSITYGW, ref.objectStore.pid, store)} (${ref.objectStore.endpoint})`;
}

/** Starts whichever is not running, on its recorded port and data; '' when both ran. */
export async function startRegistryProcesses(ref: RegistryRef): Promise<string> {
  const started: string[] = [];
  const portFree = (port: number) => waitUntil(() => isPortFree(port), 15_000);
  const tasks: Promise<void>[] = [];
  if (!isRunning(ref.objectStore)) {
    const keys = readCredentials(ref.objectStore.credentialsFile);
    tasks.push(
      (async () => {
        await portFree(ref.objectStore.port);
        const s3 = await startObjectStore({
          dataDir: ref.objectStore.dataDir,
          port: ref.objectStore.port,
          region: ref.objectStore.region,
          ...keys,
          detached: true,
          logFile: ref.objectStore.logFile,
        });
        Object.assign(ref.objectStore, s3.process.identity);
        started.push(`${VERSITYGW} ${s3.pid} on :${s3.port}`);
      })(),
    );
  }
  if (!isRunning(ref.mlflow)) {
    tasks.push(
      (async () => {
        await portFree(ref.mlflow.port);
        const mlflow = await startMlflow({ dataDir: ref.mlflow.dataDir, port: ref.mlflow.port });
        const identity = mlflow.identity();
        if (identity) Object.assign(ref.mlflow, identity);
        started.push(`${MLFLOW} ${identity?.pid} on :${mlflow.port}`);
      })(),
    );
  }
  await Promise.all(tasks);
  return started.join(', ');
}
