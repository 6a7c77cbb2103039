import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { paths } from '../process/paths.ts';
import type { TritonInstance } from '../process/triton-server.ts';

/**
 * The local stack: where the processes of the embedded stack are, the one description that
 * the game day writes, local chaos reads, and the runner updates when it restarts a process
 * (so the owner stops what now runs). Written as JSON by whoever started them (the game
 * day, the tests, by hand). Every process carries the identity its launcher recorded (pid,
 * start time, executable, command line; src/adapters/process/identity.ts): an action checks
 * it before signalling, because a pid in a stale file may belong to an unrelated process by
 * now. The admin token never goes in the file.
 */
export interface ProcessRef {
  pid: number;
  /** /proc/<pid>/stat field 22 at launch; without it nothing is ever signalled. */
  startTime?: number;
  /** /proc/<pid>/exe at launch. */
  exe?: string;
  /** Command line at launch: part of the identity, and how a stopped process is started again. */
  argv?: string[];
  cwd?: string;
}

export interface RedisRef extends ProcessRef {
  port: number;
  url: string;
  dir?: string;
}

/**
 * The model registry side of a stack (services/deploy/registry-stack.ts): MLflow and the
 * versitygw S3 store deploys publish to and Triton loads from. Enough to stop both (identity
 * checked) and start them again on the same ports and data: the `model-registry-unavailable`
 * fault for real. The store's keys are not in this file: `credentialsFile` (mode 0600, beside
 * the registry's data) holds them.
 */
export interface RegistryRef {
  mlflow: ProcessRef & { url: string; port: number; dataDir: string };
  objectStore: ProcessRef & {
    endpoint: string;
    port: number;
    dataDir: string;
    region: string;
    credentialsFile: string;
    logFile: string;
  };
}

export interface LocalStack {
  gatewayUrl: string;
  /**
   * The folder that holds what this stack owns (default: the project checkout). A model
   * repository that does not resolve inside it is never moved by local chaos.
   */
  root?: string;
  triton?: TritonInstance;
  redis?: { cache?: RedisRef; featureStore?: RedisRef };
  prometheus?: ProcessRef & { url: string };
  /** With a registry (`gameday --ship-model`, the deploy tests) the registry outage stops it for real. */
  registry?: RegistryRef;
}

export const DEFAULT_STACK_STATE = '.steadystate/stack.json';

export function readLocalStack(file: string): LocalStack {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the local stack state ${file} (${(error as Error).message}); start the stack with \`steadystate gameday --keep\` or pass --gateway-url`,
    );
  }
  const parsed = JSON.parse(raw) as Partial<LocalStack>;
  if (typeof parsed.gatewayUrl !== 'string')
    throw new Error(`${file}: gatewayUrl is missing; expected e.g. "http://127.0.0.1:8080"`);
  return parsed as LocalStack;
}

/** Atomic replace: a reader never sees half a file. */
export function writeLocalStack(file: string, stack: LocalStack): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(stack, null, 2)}\n`);
  renameSync(tmp, file);
}

export const UNAVAILABLE_SUFFIX = '.chaos-unavailable';

export class RegistryRefused extends Error {
  override readonly name = 'RegistryRefused';
}

/**
 * The model repository the state names, checked before local chaos moves it: it must
 * resolve (symlinks followed) strictly inside the stack's root and look like a Triton model
 * repository (a model folder with config.pbtxt). A state file edited by hand, or one
 * pointing at /home or /, names a folder that is not ours: refused, nothing moved.
 */
export function ownedModelRepository(stack: LocalStack, repository: string): string {
  const root = stack.root ?? paths.root();
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    throw new RegistryRefused(`refusing to move ${repository}: the stack root ${root} does not exist`);
  }
  try {
    real = realpathSync(repository);
  } catch {
    throw new RegistryRefused(`refusing to move ${repository}: it does not exist`);
  }
  // Both the folder that would be renamed (its parent's real path + its name) and what it
  // points to must lie inside the root: a symlink out of the root, or into it from outside,
  // is not ours to move.
  const entry = join(realpathSync(dirname(resolve(repository))), basename(resolve(repository)));
  for (const candidate of [entry, real]) {
    if (!isStrictlyInside(realRoot, candidate)) {
      throw new RegistryRefused(
        `refusing to move ${repository}: it resolves to ${candidate}, outside the stack's root ${realRoot} (expected a model repository under it, e.g. ${join(realRoot, 'serving', 'model_repository')}); nothing was moved`,
      );
    }
  }
  const models = readdirSync(real, { withFileTypes: true }).filter(
    (d) => d.isDirectory() && existsSync(join(real, d.name, 'config.pbtxt')),
  );
  if (models.length === 0) {
    throw new RegistryRefused(
      `refusing to move ${repository} (${real}): it holds no model folder with a config.pbtxt, so it is not a Triton model repository; nothing was moved`,
    );
  }
  return real;
}

/** "Registry unreachable": moves the (checked) model repository aside. */
export function moveRegistryAway(stack: LocalStack, repository: string): string {
  const real = ownedModelRepository(stack, repository);
  if (existsSync(`${repository}${UNAVAILABLE_SUFFIX}`)) {
    throw new RegistryRefused(
      `${repository}${UNAVAILABLE_SUFFIX} exists: an earlier run left the registry unavailable; restore it first (mv ${repository}${UNAVAILABLE_SUFFIX} ${repository})`,
    );
  }
  renameSync(repository, `${repository}${UNAVAILABLE_SUFFIX}`);
  return real;
}

/** Puts a moved-away repository back; false when there was nothing to restore. */
export function restoreRegistry(stack: LocalStack, repository: string): boolean {
  const away = `${repository}${UNAVAILABLE_SUFFIX}`;
  if (!existsSync(away)) return false;
  // The moved folder is checked like the original: only ours comes back under that name.
  ownedModelRepository(stack, away);
  renameSync(away, repository);
  return true;
}

function isStrictlyInside(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !resolve(root, inside).startsWith('..');
}
