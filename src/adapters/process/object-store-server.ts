import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from './paths.ts';
import { freePort } from './ports.ts';
import { type Supervised, spawnSupervised, waitReady } from './supervisor.ts';

/**
 * Local S3-compatible storage: versitygw (Apache-2.0) serving a folder, each subfolder a
 * bucket. It stands where production has S3: Triton loads its model repository from it
 * (`s3://http://127.0.0.1:PORT/bucket/path`), deploys publish to it, batch jobs read and
 * checkpoint through it. Built once per machine by `scripts/tools/go-install.sh` (set-up).
 */
export const VERSITYGW_VERSION = 'v1.8.0';

export function versitygwBinary(): string {
  return join(paths.root(), '.tools', 'go', `versitygw-${VERSITYGW_VERSION}`, 'versitygw');
}

export interface ObjectStoreStartOptions {
  /** The folder it serves; kept across restarts (a "store down" experiment stops and starts it). Default: a temp dir, removed on stop. */
  dataDir?: string;
  port?: number;
  /** Default: random keys for this instance. */
  accessKey?: string;
  secretKey?: string;
  region?: string;
  /**
   * Own process group, not tied to this Node process: a store started again by local chaos
   * (`steadystate chaos run`) must outlive that CLI run. Default false.
   */
  detached?: boolean;
  /** Where its log goes; default a temp run folder removed on stop. */
  logFile?: string;
}

export interface ObjectStoreServer {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  dataDir: string;
  accessKey: string;
  secretKey: string;
  region: string;
  pid: number;
  logFile: string;
  /** What S3 clients and Triton read: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3. */
  clientEnv: Record<string, string>;
  process: Supervised;
  stop(): Promise<void>;
}

export async function startObjectStore(options: ObjectStoreStartOptions = {}): Promise<ObjectStoreServer> {
  const binary = versitygwBinary();
  if (!existsSync(binary)) {
    throw new Error(
      `versitygw ${VERSITYGW_VERSION} is not built (${binary} is missing): run ./scripts/setup.sh, or scripts/tools/go-install.sh versitygw github.com/versity/versitygw/cmd/versitygw ${VERSITYGW_VERSION}`,
    );
  }
  // A run folder of its own for the log; the served folder inside it unless one is given.
  const runDir = mkdtempSync(join(tmpdir(), 'steadystate-s3-'));
  const logFile = options.logFile ?? join(runDir, 'versitygw.log');
  const dataDir = options.dataDir ?? join(runDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const accessKey = options.accessKey ?? `steadystate${randomBytes(6).toString('hex')}`;
  const secretKey = options.secretKey ?? randomBytes(24).toString('base64url');
  const region = options.region ?? 'us-east-1';
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // Keys through the environment, not argv: a command line is readable by every user in /proc.
  const started = await spawnSupervised({
    what: 'versitygw',
    command: binary,
    args: ['--port', `127.0.0.1:${port}`, '--region', region, '--quiet', 'posix', dataDir],
    env: { ...process.env, ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
    output: { file: logFile },
    detached: options.detached ?? false,
  }).catch((error: Error) => {
    rmSync(runDir, { recursive: true, force: true });
    throw error;
  });
  const stop = async () => {
    await started.stop(5_000);
    rmSync(runDir, { recursive: true, force: true });
  };
  try {
    await waitReady(started, {
      what: 'versitygw',
      where: endpoint,
      timeoutMs: 15_000,
      intervalMs: 50,
      // Any S3 answer (an anonymous request is refused with 403) means it serves.
      probe: () =>
        fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1_000) }).then(
          (r) => r.status < 500,
          () => false,
        ),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    port,
    dataDir,
    accessKey,
    secretKey,
    region,
    pid: started.pid,
    logFile,
    clientEnv: {
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL_S3: endpoint,
    },
    process: started,
    stop,
  };
}
