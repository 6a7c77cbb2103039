import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
 * `stop()`/`start()` are the `model-registry-unavailable` fault for real: both stopped, then
 * started again on the same ports and data.
 */
export interface RegistryStack {
  s3: ObjectStoreServer;
  mlflow: MlflowServer;
  /** Triton's spelling: `s3://http://127.0.0.1:P/steadystate-models/deploys`. */
  store: string;
  env: Record<string, string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRegistryStack(dir: string): Promise<RegistryStack> {
  mkdirSync(dir, { recursive: true });
  const s3 = await startObjectStore({ dataDir: join(dir, 's3') });
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
  const stack: RegistryStack = {
    s3,
    mlflow,
    store: tritonRepositoryUrl({ kind: 's3', bucket: DEPLOY_BUCKET, prefix: DEPLOY_PREFIX }, s3.endpoint),
    env: s3.clientEnv,
    stop: async () => {
      await Promise.all([mlflow.stop(), stack.s3.stop()]);
    },
    start: async () => {
      const old = stack.s3;
      const [server] = await Promise.all([
        startObjectStore({
          dataDir: old.dataDir,
          port: old.port,
          accessKey: old.accessKey,
          secretKey: old.secretKey,
          region: old.region,
        }),
        mlflow.restart(),
      ]);
      stack.s3 = server;
    },
    close: async () => {
      await mlflow.stop().catch(() => undefined);
      await stack.s3.stop().catch(() => undefined);
    },
  };
  return stack;
}
