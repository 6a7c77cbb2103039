import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultFeatureRecord, encodeFeatures, featureSchemaFile } from '../../core/spec/feature-schema.ts';
import { TritonClient } from '../triton/client.ts';
import { compareIdentity, readIdentity } from './identity.ts';
import { paths } from './paths.ts';
import { isPortFree } from './ports.ts';
import { type Supervised, SupervisorError, spawnSupervised, stopVerified, waitReady } from './supervisor.ts';

const execFileAsync = promisify(execFile);

/**
 * Runs the `tritonserver` binary that ships inside the nvidia-pytriton wheel, standalone,
 * the way pytriton itself prepares it (pytriton/triton.py, server/triton_server.py):
 * a copy of the distribution with the python-backend stub for our Python version,
 * LD_LIBRARY_PATH on the wheel's bundled libraries, and the venv's bin first on PATH so the
 * stub's embedded interpreter finds the venv (onnxruntime, numpy).
 */

export interface TritonPorts {
  http: number;
  grpc: number;
  metrics: number;
}

export interface TritonStartOptions {
  ports?: Partial<TritonPorts>;
  modelRepository?: string;
  /** Models to load at start; default: every model in the repository. */
  models?: string[];
  readyTimeoutMs?: number;
  /** Extra tritonserver flags, e.g. ['--log-verbose=1']. */
  extraArgs?: string[];
  /** Extra environment for tritonserver and its python-backend stubs (benches: STEADYSTATE_EMULATED_DEVICE_MS_PER_ROW). */
  env?: Record<string, string>;
}

export interface TritonInstance {
  pid: number;
  /** Start time, executable and command line at launch (identity.ts): checked before any signal. */
  startTime: number;
  exe: string;
  argv: string[];
  ports: TritonPorts;
  modelRepository: string;
  models: string[];
  /** The extra flags it was started with (e.g. the S3 store as a second model repository): a restart passes them again. */
  extraArgs?: string[];
  logFile: string;
  startedAt: string;
  url: string;
  metricsUrl: string;
}

export class TritonLaunchError extends Error {
  override readonly name = 'TritonLaunchError';
}

export const DEFAULT_TRITON_PORTS: TritonPorts = { http: 8000, grpc: 8001, metrics: 8002 };

interface PythonEnvironment {
  pytritonDir: string;
  pytritonLibs: string;
  pythonLibDir: string;
  pythonVersion: string;
}

async function inspectVenv(): Promise<PythonEnvironment> {
  const python = paths.venvPython();
  if (!existsSync(python)) {
    throw new TritonLaunchError(
      `the Python venv is missing (${python}); run ./scripts/setup.sh (or ./steadystate, which runs it) to create it`,
    );
  }
  const script = [
    'import json, sys, sysconfig, pathlib',
    'try:',
    '    import pytriton',
    'except ImportError:',
    '    print(json.dumps({"error": "nvidia-pytriton is not installed in the venv"})); sys.exit(0)',
    'root = pathlib.Path(pytriton.__file__).parent',
    'print(json.dumps({"pytritonDir": str(root), "pytritonLibs": str(root.parent / "nvidia_pytriton.libs"),',
    '  "pythonLibDir": sysconfig.get_config_var("LIBDIR"), "pythonVersion": "%d.%d" % sys.version_info[:2]}))',
  ].join('\n');
  const { stdout } = await execFileAsync(python, ['-c', script]);
  const parsed = JSON.parse(stdout) as PythonEnvironment & { error?: string };
  if (parsed.error) throw new TritonLaunchError(`${parsed.error}; rerun ./scripts/setup.sh`);
  return parsed;
}

/** Copies the wheel's Triton distribution once and puts the python-backend stub in place. */
function prepareRuntime(env: PythonEnvironment): string {
  const runtime = paths.state('triton', `runtime-py${env.pythonVersion}`);
  const stubTarget = join(runtime, 'backends', 'python', 'triton_python_backend_stub');
  if (existsSync(stubTarget)) return runtime;
  const dist = join(env.pytritonDir, 'tritonserver');
  const stub = join(dist, 'python_backend_stubs', env.pythonVersion, 'triton_python_backend_stub');
  if (!existsSync(stub)) {
    throw new TritonLaunchError(
      `nvidia-pytriton has no python-backend stub for Python ${env.pythonVersion} (looked in ${stub}); the venv must use Python 3.10-3.12`,
    );
  }
  rmSync(runtime, { recursive: true, force: true });
  mkdirSync(runtime, { recursive: true });
  cpSync(dist, runtime, {
    recursive: true,
    filter: (src) => !src.includes('python_backend_stubs'),
  });
  cpSync(stub, stubTarget);
  return runtime;
}

function stateFile(httpPort: number): string {
  return paths.state('triton', `instance-${httpPort}.json`);
}

function listModels(repository: string): string[] {
  return readdirSync(repository, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(repository, d.name, 'config.pbtxt')))
    .map((d) => d.name)
    .sort();
}

export async function startTriton(options: TritonStartOptions = {}): Promise<TritonInstance> {
  const ports: TritonPorts = { ...DEFAULT_TRITON_PORTS, ...options.ports };
  const repository = options.modelRepository ?? paths.modelRepository();
  for (const [which, port] of Object.entries(ports)) {
    if (!(await isPortFree(port))) {
      throw new TritonLaunchError(
        `port ${port} (${which}) is already taken; stop what runs there (\`steadystate triton down\` if it is ours) or choose other ports with --http-port/--grpc-port/--metrics-port`,
      );
    }
  }
  const models = options.models ?? listModels(repository);
  for (const model of models) {
    const onnx = join(repository, model, '1', 'model.onnx');
    if (!existsSync(onnx)) {
      throw new TritonLaunchError(
        `model ${model} has no ${onnx}; run ./scripts/setup.sh to train and export the models`,
      );
    }
  }
  const env = await inspectVenv();
  const runtime = prepareRuntime(env);
  mkdirSync(paths.state('triton'), { recursive: true });
  const logFile = paths.state('triton', `tritonserver-${ports.http}.log`);
  rmSync(logFile, { force: true });
  const args = [
    `--model-repository=${repository}`,
    `--backend-directory=${join(runtime, 'backends')}`,
    `--cache-directory=${join(runtime, 'caches')}`,
    `--http-port=${ports.http}`,
    `--grpc-port=${ports.grpc}`,
    `--metrics-port=${ports.metrics}`,
    '--http-address=127.0.0.1',
    '--grpc-address=127.0.0.1',
    '--allow-metrics=true',
    '--allow-gpu-metrics=true',
    '--metrics-interval-ms=1000',
    // Explicit model control: the chaos runner unloads/loads models ("GPU lost").
    '--model-control-mode=explicit',
    ...models.map((m) => `--load-model=${m}`),
    '--strict-readiness=true',
    '--exit-timeout-secs=10',
    // Distinct shared-memory names so several Tritons (tests, benches) can run side by side.
    `--backend-config=python,shm-region-prefix-name=steadystate${ports.http}_`,
    '--backend-config=python,shm-default-byte-size=4194304',
    '--backend-config=python,shm-growth-byte-size=1048576',
    ...(options.extraArgs ?? []),
  ];
  let process_: Supervised;
  try {
    // Detached: `steadystate triton up` returns while Triton keeps serving; its own process
    // group, so a stop reaches the python-backend stubs too.
    process_ = await spawnSupervised({
      what: 'tritonserver',
      command: join(runtime, 'bin', 'tritonserver'),
      args,
      detached: true,
      output: { file: logFile },
      env: {
        ...process.env,
        LD_LIBRARY_PATH: [env.pytritonLibs, env.pythonLibDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
        PATH: `${join(paths.venv(), 'bin')}:${process.env.PATH ?? ''}`,
        ...options.env,
      },
    });
  } catch (error) {
    throw new TritonLaunchError((error as Error).message);
  }
  const instance: TritonInstance = {
    pid: process_.pid,
    startTime: process_.identity.startTime,
    exe: process_.identity.exe,
    argv: process_.identity.argv,
    ports,
    modelRepository: repository,
    models,
    ...(options.extraArgs?.length ? { extraArgs: [...options.extraArgs] } : {}),
    logFile,
    startedAt: new Date().toISOString(),
    url: `http://127.0.0.1:${ports.http}`,
    metricsUrl: `http://127.0.0.1:${ports.metrics}`,
  };
  writeFileSync(stateFile(ports.http), `${JSON.stringify(instance, null, 2)}\n`);
  try {
    await waitUntilServing(instance, process_, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await stopTriton(instance).catch(() => undefined);
    throw error instanceof SupervisorError ? new TritonLaunchError(error.message) : error;
  }
  const { startTime, exe, argv } = process_.identity;
  Object.assign(instance, { startTime, exe, argv });
  writeFileSync(stateFile(ports.http), `${JSON.stringify(instance, null, 2)}\n`);
  return instance;
}

/**
 * The playbook's readiness rule: every model ready AND a test prediction through each
 * succeeds with a score in [0, 1]. Triton's own readiness says nothing about whether
 * inference works (triton-inference-server/server#3627).
 */
async function waitUntilServing(instance: TritonInstance, process_: Supervised, timeoutMs: number) {
  const client = new TritonClient({ url: instance.url, timeoutMs: 5_000 });
  const schema = featureSchemaFile.parse(
    JSON.parse(readFileSync(join(instance.modelRepository, 'feature_schema.json'), 'utf8')),
  );
  const row = encodeFeatures(schema, defaultFeatureRecord(schema));
  try {
    await waitReady(process_, {
      what: 'tritonserver',
      where: instance.url,
      timeoutMs,
      intervalMs: 250,
      probe: async () =>
        (await client.isReady()) &&
        (await Promise.all(instance.models.map((m) => client.isModelReady(m)))).every(Boolean),
    });
    for (const model of instance.models) {
      const res = await client.infer(model, {
        inputs: [{ name: schema.input, shape: [1, row.length], datatype: 'FP32', data: row }],
      });
      const score = res.outputs[0]?.data[0];
      if (typeof score !== 'number' || !(score >= 0 && score <= 1)) {
        throw new TritonLaunchError(
          `test prediction through ${model} returned ${JSON.stringify(res.outputs)}; expected a score in [0, 1]`,
        );
      }
    }
  } finally {
    await client.close();
  }
}

/**
 * Stops a recorded Triton (SIGTERM to its process group, SIGKILL after the grace period) and
 * forgets it. Refuses, signalling nothing, when the pid now belongs to another process.
 */
export async function stopTriton(
  instance: Pick<TritonInstance, 'pid' | 'ports'> & Partial<Pick<TritonInstance, 'startTime' | 'exe' | 'argv'>>,
  graceMs = 15_000,
): Promise<void> {
  await stopVerified(instance, `tritonserver :${instance.ports.http}`, { group: true, graceMs });
  rmSync(stateFile(instance.ports.http), { force: true });
}

/** Instances started by `steadystate triton up` that are recorded in .steadystate/. */
export function recordedInstances(): TritonInstance[] {
  const dir = paths.state('triton');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^instance-\d+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as TritonInstance);
}

/**
 * Whether a recorded Triton still runs: for a record with an identity, that process itself
 * (not merely some process at its pid); for a bare pid, any process.
 */
export function isProcessAlive(target: number | (Pick<TritonInstance, 'pid'> & Partial<TritonInstance>)): boolean {
  if (typeof target === 'number') return readIdentity(target) !== undefined;
  return compareIdentity(target, readIdentity(target.pid)).status === 'ours';
}
