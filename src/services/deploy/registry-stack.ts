import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RegistryRef } from '../../adapters/chaos/local-stack.ts';
import { stopRegistryProcesses } from '../../adapters/chaos/registry-processes.ts';
import { type MlflowServer, startMlflow } from '../../adapters/process/mlflow-server.ts';
import { type ObjectStoreServer, startObjectStore } from '../../adapters/process/object-store-server.ts';
import { S3ObjectStore } from '../../adapters/storage/s3-object-store.ts';
import { tritonRepositoryUrl } from '../../core/storage/location.ts';

export const DEPLOY_BUCKET = 'steadystate-models';
export const DEPLOY_PREFIX = 'deploys';

/**
 * The model registry side of a local stack, real: versitygw (the S3 model store deploys
 * publish to and Triton loads from) and MLflow. Started before Triton, whose
 * `--model-repository` list gets `store`; the S3 credentials go into this process's
 * environment so Triton and the deploy's S3 client (started after) read them.
 * `state` is what goes into the stack state (`LocalStack.registry`): the chaos action
 * `registry-outage` stops both through it and `registry-restore` starts them again on the
 * same ports and data (services/chaos/providers/model-registry.ts), updating it in place;
 * `close()` stops whatever it names then.
 */
export interface RegistryStack {
  /** The servers as first started (their URLs and data stay valid across a chaos restart). */
  s3: ObjectStoreServer;
  mlflow: MlflowServer;
  /** Triton's spelling: `s3://http://127.0.0.1:P/steadystate-models/deploys`. */
  store: string;
  env: Record<string, string>;
  state: RegistryRef;
  close(): Promise<void>;
}

export async function startRegistryStack(dir: string): Promise<RegistryStack> {
  mkdirSync(dir, { recursive: true });
  const s3 = await startObjectStore({ dataDir: join(dir, 's3'), logFile: join(dir, 'versitygw.log') });
  // The keys a restarted store must serve with (Triton and the deploy's client hold them).
  const credentialsFile = join(dir, 's3-credentials.json');
  writeFileSync(credentialsFile, JSON.stringify({ accessKey: s3.accessKey, secretKey: s3.secretKey }), {
    mode: 0o600,
  });
  const bucket = new S3ObjectStore({
    endpoint: s3.endpoint,
    bucket: DEPLOY_BUCKET,
    prefix: DEPLOY_PREFIX,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
  });
  await bucket.ensureBucket();
  // Triton lists the repository at start: give it a folder that exists (no model in it yet).
  await bucket.put('README', 'models published by steadystate deploy\n');
  Object.assign(process.env, s3.clientEnv);
  const mlflow = await startMlflow({ dataDir: join(dir, 'mlflow') }).catch(async (error: Error) => {
    await s3.stop();
    throw error;
  });
  const state: RegistryRef = {
    mlflow: { ...(mlflow.identity() ?? { pid: 0 }), url: mlflow.url, port: mlflow.port, dataDir: mlflow.dataDir },
    objectStore: {
      ...s3.process.identity,
      endpoint: s3.endpoint,
      port: s3.port,
      dataDir: s3.dataDir,
      region: s3.region,
      credentialsFile,
      logFile: s3.logFile,
    },
  };
  return {
    s3,
    mlflow,
    store: tritonRepositoryUrl({ kind: 's3', bucket: DEPLOY_BUCKET, prefix: DEPLOY_PREFIX }, s3.endpoint),
    env: s3.clientEnv,
    state,
    close: async () => {
      // A chaos restart may have replaced either: stop what the state names (identity checked).
      await stopRegistryProcesses(state).catch(() => undefined);
      await mlflow.stop().catch(() => undefined);
      await s3.stop().catch(() => undefined);
      rmSync(credentialsFile, { force: true });
    },
  };
}
