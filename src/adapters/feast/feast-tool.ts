import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { paths, projectRoot } from '../process/paths.ts';

/**
 * Runs serving/feature_repo/feast_tool.py in .venv-feast: Feast's own Python (apply,
 * materialize-incremental, get_online_features, get_historical_features) for the set-up,
 * the game day and the tests. One-shot commands; `feast serve` is feast-server.ts.
 */
export interface FeastEnv {
  /** Offline store (Parquet) and registry folder. */
  dataDir: string;
  /** host:port of the online-store Redis (a redis:// URL is accepted). */
  redis: string;
  /**
   * The offline tables in the local S3 storage (versitygw) instead of `dataDir`, which then
   * keeps only the registry and the build's staging copies. Absent: files mode.
   */
  offlineS3?: FeastOfflineS3;
}

export interface FeastOfflineS3 {
  /** `s3://bucket/prefix`; the bucket is created by `prepare` when missing. */
  uri: string;
  /** http://host:port of the S3 endpoint. */
  endpoint: string;
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION (an `ObjectStoreServer`'s clientEnv). */
  credentials: Record<string, string>;
}

export const feastPaths = {
  python: () => join(projectRoot(), '.venv-feast', 'bin', 'python'),
  feast: () => join(projectRoot(), '.venv-feast', 'bin', 'feast'),
  tool: () => join(projectRoot(), 'serving', 'feature_repo', 'feast_tool.py'),
  repo: () => join(projectRoot(), 'serving', 'feature_repo', 'repo'),
  /** The set-up's offline store. */
  data: () => join(projectRoot(), 'serving', 'data', 'feast'),
};

/** `redis://127.0.0.1:6380` -> `127.0.0.1:6380` (Feast's connection_string). */
export function redisAddress(urlOrAddress: string): string {
  return urlOrAddress.replace(/^redis:\/\//, '').replace(/\/.*$/, '');
}

export function feastEnvironment(env: FeastEnv): NodeJS.ProcessEnv {
  const s3 = env.offlineS3
    ? {
        ...env.offlineS3.credentials,
        STEADYSTATE_FEAST_OFFLINE: env.offlineS3.uri,
        STEADYSTATE_FEAST_S3_ENDPOINT: env.offlineS3.endpoint,
      }
    : {};
  return {
    ...process.env,
    STEADYSTATE_FEAST_DATA: env.dataDir,
    STEADYSTATE_FEAST_REDIS: redisAddress(env.redis),
    ...s3,
  };
}

export function runFeastTool(args: string[], env: FeastEnv, timeoutMs = 300_000): Promise<string> {
  const python = feastPaths.python();
  if (!existsSync(python))
    return Promise.reject(new Error(`${python} is missing; scripts/setup.sh step 7 creates .venv-feast (Feast)`));
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [feastPaths.tool(), ...args],
      { env: feastEnvironment(env), timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`feast_tool.py ${args[0]} failed: ${error.message}\n${stderr.slice(-2000)}`));
        else resolve(stdout);
      },
    );
  });
}

/** The last JSON line a command printed (its answer). */
function lastJson<T>(stdout: string): T {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as T;
}

export interface PrepareResult {
  users: number;
  end: string;
  build_s: number;
  apply_s: number;
  materialize_s: number;
  /** Seconds to put the tables into the bucket (0 in files mode). */
  upload_s: number;
  /** Where the offline tables live: the folder, or `bucket/prefix`. */
  offline: string;
}

/** Offline store from serving/data, `feast apply`, materialize-incremental up to now. */
export async function prepareFeatureStore(
  env: FeastEnv,
  opts: { users: number; end?: string; materialize?: boolean },
): Promise<PrepareResult> {
  const args = ['prepare', '--users', String(opts.users)];
  if (opts.end) args.push('--end', opts.end);
  if (opts.materialize === false) args.push('--no-materialize');
  return lastJson<PrepareResult>(await runFeastTool(args, env));
}

export async function materializeIncremental(env: FeastEnv): Promise<{ materialize_s: number }> {
  return lastJson(await runFeastTool(['materialize'], env));
}

export type FeatureRow = Record<string, number | string | null>;

function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}

/** Feast's get_online_features through the feature service, for these ids (file of ids). */
export async function onlineFeatures(
  env: FeastEnv,
  idsFile: string,
): Promise<{ user_id: string; features: FeatureRow }[]> {
  return jsonLines(await runFeastTool(['online', '--ids', idsFile], env));
}

/** Feast's get_historical_features (point-in-time) for JSON lines {user_id, ts} in a file. */
export async function historicalFeatures(
  env: FeastEnv,
  entitiesFile: string,
): Promise<{ user_id: string; ts: string; features: FeatureRow }[]> {
  return jsonLines(await runFeastTool(['historical', '--entities', entitiesFile], env));
}

export interface TrainingSetResult {
  rows: number;
  positives: number;
  /** Store-feature cells with no value within the view's TTL (trained as schema defaults). */
  missing_values: number;
  seconds: number;
  out: string;
}

/**
 * The training rows: get_historical_features over the labelled transactions (point in time),
 * written as CSV to `out` (`feast_tool.py training-set`).
 */
export async function buildTrainingSet(env: FeastEnv, out: string): Promise<TrainingSetResult> {
  return lastJson<TrainingSetResult>(await runFeastTool(['training-set', '--out', out], env));
}

export interface FeastTrainingResult {
  rows: number;
  positives: number;
  train_rows: number;
  test_rows: number;
  roc_auc: number;
  pr_auc: number;
}

/**
 * Fits the candidate model on a training set (serving/models/train_feast.py in .venv, where
 * sklearn and skl2onnx live): `outDir/fraud_feast/1/model.onnx`, and with `matrixOut` the exact
 * matrix it fitted and tested.
 */
export function trainFromTrainingSet(
  trainingSet: string,
  outDir: string,
  matrixOut?: string,
  timeoutMs = 300_000,
): Promise<FeastTrainingResult> {
  const python = paths.venvPython();
  if (!existsSync(python))
    return Promise.reject(new Error(`${python} is missing; scripts/setup.sh creates .venv (the training venv)`));
  const args = [
    join(projectRoot(), 'serving', 'models', 'train_feast.py'),
    '--training-set',
    trainingSet,
    '--out',
    outDir,
  ];
  if (matrixOut) args.push('--matrix-out', matrixOut);
  return new Promise((resolve, reject) => {
    execFile(python, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`train_feast.py failed: ${error.message}\n${stderr.slice(-2000)}`));
      else resolve(lastJson<FeastTrainingResult>(stdout));
    });
  });
}
