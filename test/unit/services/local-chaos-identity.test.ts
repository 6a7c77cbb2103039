import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type LocalStack,
  type RegistryRef,
  readLocalStack,
  writeLocalStack,
} from '../../../src/adapters/chaos/local-stack.ts';
import { readIdentity } from '../../../src/adapters/process/identity.ts';
import { isAlive } from '../../../src/adapters/process/supervisor.ts';
import type { TritonInstance } from '../../../src/adapters/process/triton-server.ts';
import type { ActionSpec } from '../../../src/core/spec/kinds/chaos/actions.ts';
import { defaultRegistry, LocalState } from '../../../src/services/chaos/providers/index.ts';
import type { ActionContext } from '../../../src/services/chaos/providers/provider.ts';
import { bystanders } from '../../fixtures/bystander.ts';

/**
 * Issue 12 part 2: a stack-state file whose pids the OS has since handed to an unrelated
 * process (here a `sleep`), and one naming a model repository outside the stack. Every local
 * action that signals or moves must refuse before it does anything, and say why.
 */
const dir = mkdtempSync(join(tmpdir(), 'steadystate-identity-'));
const root = join(dir, 'stack-root');
const repository = join(root, 'serving', 'model_repository');
mkdirSync(join(repository, 'fraud_v1'), { recursive: true });
writeFileSync(join(repository, 'fraud_v1', 'config.pbtxt'), 'name: "fraud_v1"\n');
const outside = join(dir, 'somebody-elses-folder');
mkdirSync(join(outside, 'model'), { recursive: true });
writeFileSync(join(outside, 'model', 'config.pbtxt'), 'name: "model"\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleeps = bystanders();
const unrelatedSleep = sleeps.start;
afterEach(sleeps.killAll);

/** The identity a launcher recorded for a process that has exited since; its pid is now `pid`'s. */
function recorded(pid: number, exe: string, argv: string[]) {
  return { pid, startTime: (readIdentity(pid)?.startTime ?? 0) - 1234, exe, argv };
}

function tritonAt(pid: number, modelRepository = repository): TritonInstance {
  const exe = '/srv/steadystate/.steadystate/triton/runtime-py3.11/bin/tritonserver';
  return {
    ...recorded(pid, exe, [exe, `--model-repository=${modelRepository}`, '--http-port=18000']),
    ports: { http: 18000, grpc: 18001, metrics: 18002 },
    modelRepository,
    models: ['fraud_v1'],
    logFile: join(dir, 'triton.log'),
    startedAt: new Date().toISOString(),
    url: 'http://127.0.0.1:18000',
    metricsUrl: 'http://127.0.0.1:18002',
  };
}

/** A registry (MLflow, versitygw) whose recorded processes have exited; their pids now belong to others. */
function registryAt(mlflowPid: number, storePid: number): RegistryRef {
  const python = '/srv/steadystate/.venv-mlflow/bin/python3';
  return {
    mlflow: {
      ...recorded(mlflowPid, python, [python, '/srv/steadystate/.venv-mlflow/bin/mlflow', 'server', '--port', '15000']),
      url: 'http://127.0.0.1:15000',
      port: 15000,
      dataDir: join(dir, 'mlflow'),
    },
    objectStore: {
      ...recorded(storePid, '/srv/steadystate/.tools/go/versitygw-v1.8.0/versitygw', [
        'versitygw',
        '--port',
        '127.0.0.1:17070',
      ]),
      endpoint: 'http://127.0.0.1:17070',
      port: 17070,
      dataDir: join(dir, 's3'),
      region: 'us-east-1',
      credentialsFile: join(dir, 'no-such-credentials.json'),
      logFile: join(dir, 'versitygw.log'),
    },
  };
}

/** The local actions through the chaos engine's providers (preflight, act), as a run calls them. */
interface LocalActions {
  refuse(action: ActionSpec): Promise<string | undefined>;
  execute(action: ActionSpec): Promise<string>;
}

let counter = 0;
/** Written to disk and read back, as `steadystate chaos run --stack-state` does. */
function driverFor(stack: LocalStack): LocalActions {
  counter += 1;
  const file = join(dir, `stack-${counter}.json`);
  writeLocalStack(file, { root, ...stack });
  const registry = defaultRegistry({ local: new LocalState(readLocalStack(file), file) });
  // The local providers read only their own state, not the run's context.
  const ctx = {} as ActionContext;
  return {
    refuse: async (action) => registry.preflight(action, ctx),
    execute: async (action) => (await registry.act(action, ctx)).detail,
  };
}

async function failure(run: () => Promise<unknown>): Promise<Error | undefined> {
  return run().then(
    () => undefined,
    (e: Error) => e,
  );
}

describe('a stale pid in the stack state, now held by an unrelated process', () => {
  it.each<[string, (pid: number) => LocalStack, ActionSpec, string]>([
    [
      'triton-kill',
      (pid) => ({ gatewayUrl: 'http://127.0.0.1:9', triton: tritonAt(pid) }),
      { type: 'triton-kill', signal: 'SIGKILL' },
      'tritonserver',
    ],
    [
      'redis-kill',
      (pid) => ({
        gatewayUrl: 'http://127.0.0.1:9',
        redis: {
          cache: {
            ...recorded(pid, '/usr/bin/redis-server', ['redis-server *:16379']),
            port: 16379,
            url: 'redis://127.0.0.1:16379',
          },
        },
      }),
      { type: 'redis-kill', redis: 'cache' },
      'redis-server (cache)',
    ],
    [
      'prometheus-stop',
      (pid) => ({
        gatewayUrl: 'http://127.0.0.1:9',
        prometheus: {
          ...recorded(pid, '/usr/bin/prometheus', ['prometheus', '--config.file=/tmp/p/prometheus.yml']),
          cwd: '/tmp/p',
          url: 'http://127.0.0.1:19090',
        },
      }),
      { type: 'prometheus-stop' },
      'prometheus',
    ],
    [
      'registry-outage (MLflow and the S3 store of the stack)',
      (pid) => ({ gatewayUrl: 'http://127.0.0.1:9', registry: registryAt(pid, unrelatedSleep()) }),
      { type: 'registry-outage' },
      'mlflow server',
    ],
  ])('%s refuses in preflight and in execution; the unrelated process lives', async (_name, stackAt, action, what) => {
    const pid = unrelatedSleep();
    const driver = driverFor(stackAt(pid));
    const refusal = await driver.refuse(action);
    expect(refusal).toContain(`refusing to signal ${what} pid ${pid}`);
    const error = await failure(() => driver.execute(action));
    // The error names the pid, what was expected and what was found.
    expect(error?.message).toContain(`${what} pid ${pid}: it is not the process the stack started`);
    expect(error?.message).toMatch(/start time \d+ \(expected \d+\)/);
    expect(error?.message).toMatch(/executable \/\S*sleep \(expected \//);
    expect(error?.message).toMatch(/command line "sleep 300" \(expected "/);
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(pid)).toBe(true);
  });

  it('redis-pause and redis-resume do not stop or continue the unrelated process either', async () => {
    const pid = unrelatedSleep();
    const driver = driverFor({
      gatewayUrl: 'http://127.0.0.1:9',
      redis: {
        featureStore: {
          ...recorded(pid, '/usr/bin/redis-server', ['redis-server']),
          port: 1,
          url: 'redis://127.0.0.1:1',
        },
      },
    });
    for (const type of ['redis-pause', 'redis-resume'] as const) {
      expect(await failure(() => driver.execute({ type, redis: 'feature-store' }))).toBeInstanceOf(Error);
    }
    expect(readIdentity(pid)?.argv).toEqual(['sleep', '300']);
  });

  it('a state without recorded identities (only a pid) is refused too', async () => {
    const pid = unrelatedSleep();
    const driver = driverFor({
      gatewayUrl: 'http://127.0.0.1:9',
      prometheus: { pid, url: 'http://127.0.0.1:19090', argv: ['prometheus'], cwd: '/' },
    });
    expect(await driver.refuse({ type: 'prometheus-stop' })).toMatch(/records no start time/);
    expect(await failure(() => driver.execute({ type: 'prometheus-stop' }))).toBeInstanceOf(Error);
    expect(isAlive(pid)).toBe(true);
  });
});

describe('with a registry in the stack, registry-outage stops MLflow and the store for real', () => {
  it('refuses when only the store pid belongs to another process, and stops neither', async () => {
    const mlflow = unrelatedSleep();
    const store = unrelatedSleep();
    const registry = registryAt(mlflow, store);
    // MLflow's record matches the process at its pid; the store's does not.
    Object.assign(registry.mlflow, readIdentity(mlflow));
    const driver = driverFor({ gatewayUrl: 'http://127.0.0.1:9', registry });
    expect(await driver.refuse({ type: 'registry-outage' })).toContain(`refusing to signal versitygw pid ${store}`);
    expect((await failure(() => driver.execute({ type: 'registry-outage' })))?.message).toContain(
      `refusing to signal versitygw pid ${store}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect([isAlive(mlflow), isAlive(store)]).toEqual([true, true]);
  });

  it('refuses registry-restore when the store keys are missing (they could not be served again)', async () => {
    const driver = driverFor({
      gatewayUrl: 'http://127.0.0.1:9',
      registry: registryAt(unrelatedSleep(), unrelatedSleep()),
    });
    expect(await driver.refuse({ type: 'registry-restore' })).toMatch(
      /credentials .*no-such-credentials\.json are missing/,
    );
  });

  it('refuses a registry that is not on loopback', async () => {
    const registry = registryAt(unrelatedSleep(), unrelatedSleep());
    registry.mlflow.url = 'http://mlflow.prod.example:5000';
    const driver = driverFor({ gatewayUrl: 'http://127.0.0.1:9', registry });
    expect(await driver.refuse({ type: 'registry-outage' })).toMatch(
      /MLflow http:\/\/mlflow\.prod\.example:5000 is not on this machine/,
    );
  });
});

describe('registry-outage moves only a model repository inside the stack root', () => {
  it.each<[string, () => string, RegExp]>([
    ['a folder outside the root', () => outside, /resolves to .*somebody-elses-folder, outside the stack's root/],
    [
      'a symlink inside the root that points outside it',
      () => {
        const link = join(root, 'serving', 'linked_repository');
        if (!existsSync(link)) symlinkSync(outside, link);
        return link;
      },
      /resolves to .*somebody-elses-folder, outside the stack's root/,
    ],
    ['the root itself', () => root, /outside the stack's root/],
    [
      'a folder inside the root that is no model repository',
      () => {
        mkdirSync(join(root, 'docs'), { recursive: true });
        return join(root, 'docs');
      },
      /holds no model folder with a config\.pbtxt/,
    ],
  ])('refuses %s, before moving anything', async (_name, target, message) => {
    const path = target();
    const pid = unrelatedSleep();
    const driver = driverFor({ gatewayUrl: 'http://127.0.0.1:9', triton: tritonAt(pid, path) });
    expect(await driver.refuse({ type: 'registry-outage' })).toMatch(message);
    expect((await failure(() => driver.execute({ type: 'registry-outage' })))?.message).toMatch(message);
    expect(existsSync(path)).toBe(true);
    expect(existsSync(`${path}.chaos-unavailable`)).toBe(false);
  });

  it("moves the stack's own repository away and back", async () => {
    const pid = unrelatedSleep();
    const driver = driverFor({ gatewayUrl: 'http://127.0.0.1:9', triton: tritonAt(pid) });
    expect(await driver.refuse({ type: 'registry-outage' })).toBeUndefined();
    await driver.execute({ type: 'registry-outage' });
    expect(existsSync(repository)).toBe(false);
    await driver.execute({ type: 'registry-restore' });
    expect(existsSync(join(repository, 'fraud_v1', 'config.pbtxt'))).toBe(true);
  });
});
