import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalStack, writeLocalStack } from '../../src/adapters/chaos/local-stack.ts';
import { PushgatewayPublisher } from '../../src/adapters/chaos/pushgateway.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { isAlive } from '../../src/adapters/process/processes.ts';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import { stopTriton, type TritonInstance } from '../../src/adapters/process/triton-server.ts';
import { TritonClient } from '../../src/adapters/triton/client.ts';
import type { Journal } from '../../src/core/chaos/journal.ts';
import type { RunningGateway } from '../../src/gateway/start.ts';
import { ADMIN_TOKEN, admin, startTestGateway } from './fixtures/gateway.ts';
import { waitForQuery } from './fixtures/prometheus-api.ts';
import { startTestTriton } from './fixtures/triton.ts';

/**
 * `steadystate chaos` as users and CronJobs run it: a child process, its exit code, its
 * journal and JUnit files, its reaction to SIGTERM, its push to a real Pushgateway, and the
 * generated alert firing in a real Prometheus.
 */
const root = paths.root();
const work = mkdtempSync(join(tmpdir(), 'chaos-cli-'));

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function cli(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [join(root, 'src', 'cli', 'main.ts'), ...args], {
    cwd: root,
    env: { ...process.env, STEADYSTATE_ADMIN_TOKEN: ADMIN_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return { child, done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr }))) };
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('chaos validate', () => {
  const bad = (name: string, text: string) => {
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, text);
    return file;
  };
  const base = readFileSync(join(root, 'chaos', 'experiments', 'latency-500ms.yaml'), 'utf8');

  it('accepts every shipped experiment against steadystate.yaml', async () => {
    const files = [
      'gpu-server-crash',
      'model-load-oom',
      'feature-store-down',
      'model-registry-unavailable',
      'ab-variant-failure',
      'model-drift',
      'cache-stampede',
      'latency-500ms',
      'k8s-gpu-pod-kill',
      'k8s-latency-500ms',
    ];
    const r = await cli(['chaos', 'validate', ...files.map((f) => `chaos/experiments/${f}.yaml`)]).done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(files.length);
  });

  const cases: [string, string, RegExp][] = [
    ['a misspelled field', base.replace('probeInterval:', 'probeIntervall:'), /spec: unknown field "probeIntervall"/],
    [
      'a probe type that does not exist',
      base.replace('type: failed-ratio', 'type: failure-ratio'),
      /steadyState\.probes\[0\]\.probe\.type: type must be one of latency-quantile, failed-ratio/,
    ],
    [
      'a tolerance without bounds',
      base.replace('tolerance: { max: 0.01 }', 'tolerance: {}'),
      /steadyState\.probes\[0\]\.tolerance: give min, max or both/,
    ],
    [
      'a duration without a unit',
      base.replace('duration: 10s', 'duration: 10'),
      /method\[0\]\.duration: must be a duration like "500ms"/,
    ],
    [
      'a probability above 1',
      base.replace('probability: 1, seed: 1', 'probability: 1.5, seed: 1'),
      /method\[0\]\.action\.faults\[0\]\.probability/,
    ],
    [
      'a variant the Stack does not have',
      base.replace('variant: v2, kind', 'variant: v3, kind'),
      /spec\.method\[0\]\.action\.faults\[1\]\.variant: fraud has no variant v3/,
    ],
    [
      'a pod-delete on target local',
      base.replace(
        /action:\n {8}type: gateway-faults\n {8}faults:\n(?: {10}- .*\n)+/,
        'action: { type: pod-delete, namespace: steadystate, labelSelector: "a=b" }\n',
      ),
      /spec\.method\[0\]\.action\.type: pod-delete needs target: kubernetes/,
    ],
    [
      'a duration on an action that has no inverse',
      base
        .replace('type: gateway-clear-faults }', 'type: gateway-clear-faults }')
        .replace(
          '      duration: 10s',
          '      duration: 10s\n    - name: again\n      action: { type: gateway-clear-faults }\n      duration: 5s',
        ),
      /method\[1\]\.duration: gateway-clear-faults has no inverse/,
    ],
  ];
  // One run over every bad file: each is reported on its own, and the run exits 1.
  let result: { code: number | null; stderr: string };
  const files = cases.map(([name, text]) => bad(name.replace(/\W+/g, '-'), text));
  beforeAll(async () => {
    result = await cli(['chaos', 'validate', ...files]).done;
  });

  it.each(cases.map((c, i) => [...c, i] as const))('rejects %s, naming the field', (_name, text, message, i) => {
    expect(text).not.toBe(base);
    expect(result.code).toBe(1);
    const start = result.stderr.indexOf(files[i] as string);
    const next =
      files
        .slice(i + 1)
        .map((f) => result.stderr.indexOf(f))
        .find((x) => x > start) ?? result.stderr.length;
    expect(start).toBeGreaterThanOrEqual(0);
    expect(result.stderr.slice(start, next)).toMatch(message);
  });
});

describe('chaos run --pushgateway: a scheduled run leaves its result, and a failed one pages', () => {
  it('pushes chaos_* gauges to a real Pushgateway, Prometheus scrapes them, ChaosExperimentFailed fires', async () => {
    const port = await freePort();
    const pushgateway = spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${port}`], {
      stdio: 'ignore',
      detached: true,
    });
    const pushUrl = `http://127.0.0.1:${port}`;
    let prometheus: PrometheusServer | undefined;
    try {
      await until(
        () =>
          fetch(`${pushUrl}/-/ready`).then(
            (r) => r.ok,
            () => false,
          ),
        15_000,
        'the Pushgateway',
      );
      prometheus = await startPrometheus({
        scrapeInterval: '1s',
        evaluationInterval: '1s',
        jobs: [{ job: 'pushgateway', targets: [new URL(pushUrl).host], honorLabels: true }],
        ruleFiles: [join(root, 'alerts', 'chaos.rules.yml')],
      });
      // A run that cannot act (no Triton in its stack state) still pushes its (failed) result.
      const state = join(work, 'empty-stack.json');
      writeLocalStack(state, { gatewayUrl: 'http://127.0.0.1:9' });
      const r = await cli([
        'chaos',
        'run',
        'chaos/experiments/gpu-server-crash.yaml',
        '--stack-state',
        state,
        '--pushgateway',
        pushUrl,
        '--journal',
        join(work, 'refused.json'),
        '--quiet',
      ]).done;
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/gpu-server-crash: failed/);
      expect(r.stdout).toMatch(/refused before acting: .*no Triton in the local stack state/);
      const journal = JSON.parse(readFileSync(join(work, 'refused.json'), 'utf8')) as Journal;
      expect(journal.method).toEqual([]);
      expect(journal.rollbacks).toEqual([]);
      // A successful run of another experiment, pushed the same way.
      const ok: Journal = {
        ...journal,
        experiment: { ...journal.experiment, name: 'latency-500ms' },
        status: 'completed',
        deviated: false,
        recovery: {
          kind: 'recovery',
          probe: 'tier-share',
          tolerance: { min: 0.9 },
          declaredWithinSeconds: 20,
          withinSeconds: 20,
          fromSeconds: 3,
          measuredSeconds: 4.5,
          met: true,
          why: 'recovered',
        },
      };
      await new PushgatewayPublisher(pushUrl).publish(ok, Date.now() / 1000);

      const firing = await waitForQuery(
        prometheus.url,
        'ALERTS{alertname="ChaosExperimentFailed",alertstate="firing"}',
        (res) => res.length > 0,
      );
      expect(firing.map((s) => s.labels.experiment)).toEqual(['gpu-server-crash']);
      expect(firing[0]?.labels).toMatchObject({ severity: 'page', job: 'steadystate-chaos' });
      const success = await waitForQuery(prometheus.url, 'chaos_experiment_success', (res) => res.length === 2);
      expect(Object.fromEntries(success.map((s) => [s.labels.experiment, s.value]))).toEqual({
        'gpu-server-crash': 0,
        'latency-500ms': 1,
      });
      const recovery = await waitForQuery(prometheus.url, 'chaos_experiment_recovery_seconds', (res) => res.length > 0);
      expect(recovery.map((s) => [s.labels.experiment, s.value])).toEqual([['latency-500ms', 4.5]]);
      const lastRun = await waitForQuery(
        prometheus.url,
        'time() - chaos_experiment_last_run_timestamp_seconds',
        (res) => res.length === 2,
      );
      for (const s of lastRun) expect(s.value).toBeLessThan(60);
    } finally {
      await prometheus?.stop();
      pushgateway.kill('SIGKILL');
    }
  });
});

describe('chaos run against the real local stack', () => {
  let triton: TritonInstance;
  let gateway: RunningGateway;
  let stateFile: string;

  beforeAll(async () => {
    triton = await startTestTriton();
    gateway = await startTestGateway(triton.url);
    stateFile = join(work, 'stack.json');
    writeLocalStack(stateFile, { gatewayUrl: gateway.url, triton });
  });
  afterAll(async () => {
    await gateway?.close();
    // The runner may have started Triton again: stop what the state file names now.
    const now = existsSync(stateFile) ? readLocalStack(stateFile).triton : undefined;
    for (const t of [triton, now]) if (t && isAlive(t.pid)) await stopTriton(t);
  });

  it('--dry-run prints the plan, checks the guards and touches nothing', async () => {
    const r = await cli([
      'chaos',
      'run',
      'chaos/experiments/latency-500ms.yaml',
      '--dry-run',
      '--stack-state',
      stateFile,
      '--journal',
      join(work, 'dry.json'),
    ]).done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/plan: method 1\. gpu-models-500ms-slower: gateway-faults for 10 s, then revert/);
    expect(r.stderr).toMatch(/plan: rollbacks \(always\): no-faults \(gateway-clear-faults\)/);
    // It says what it checked and that it measured nothing (not "the hypothesis held").
    expect(r.stderr).toMatch(
      /checked: method step gpu-models-500ms-slower: gateway-faults on the gateway admin API passed its guards/,
    );
    expect(r.stdout).toMatch(/latency-500ms: dry run, \d+ checks passed; nothing was injected or measured/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/hypothesis held/);
    expect((await admin(gateway.url, 'GET', '/admin/faults')).body.faults).toEqual([]);
    const journal = JSON.parse(readFileSync(join(work, 'dry.json'), 'utf8')) as Journal;
    expect(journal).toMatchObject({ dryRun: true, status: 'completed', method: [], rollbacks: [] });
    expect(journal.during.ticks).toEqual([]);
    expect(journal.reason).toMatch(/^dry run: .*nothing was measured/);
    expect(journal.checked?.length).toBeGreaterThan(3);
  });

  it('SIGTERM while the gateway faults are active: exit 3, status interrupted, the faults are cleared', async () => {
    const run = cli([
      'chaos',
      'run',
      'chaos/experiments/latency-500ms.yaml',
      '--stack-state',
      stateFile,
      '--time-scale',
      '0.5',
      '--journal',
      join(work, 'latency.json'),
      '--junit',
      join(work, 'latency.xml'),
    ]);
    await until(
      async () => ((await admin(gateway.url, 'GET', '/admin/faults')).body.faults as unknown[]).length > 0,
      30_000,
      'the faults',
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/SIGTERM: stopping the experiment and running its rollbacks/);
    expect((await admin(gateway.url, 'GET', '/admin/faults')).body.faults).toEqual([]);
    const journal = JSON.parse(readFileSync(join(work, 'latency.json'), 'utf8')) as Journal;
    expect(journal.status).toBe('interrupted');
    expect(journal.reason).toMatch(/interrupted by SIGTERM; rollbacks ran/);
    expect(journal.method[0]?.revert).toMatchObject({ type: 'gateway-clear-faults', outcome: 'succeeded' });
    expect(journal.rollbacks).toEqual([expect.objectContaining({ name: 'no-faults', outcome: 'succeeded' })]);
    const xml = readFileSync(join(work, 'latency.xml'), 'utf8');
    expect(xml).toMatch(/<testsuite name="latency-500ms" tests="\d+"/);
    expect(xml).toMatch(/<property name="status" value="interrupted"\/>/);
  });

  it('SIGTERM after tritonserver was killed: the rollback starts Triton again before the CLI exits', async () => {
    const before = readLocalStack(stateFile).triton as TritonInstance;
    const run = cli([
      'chaos',
      'run',
      'chaos/experiments/gpu-server-crash.yaml',
      '--stack-state',
      stateFile,
      '--time-scale',
      '0.5',
      '--journal',
      join(work, 'crash.json'),
    ]);
    await until(() => !isAlive(before.pid), 30_000, 'the kill');
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code).toBe(3);
    const after = readLocalStack(stateFile).triton as TritonInstance;
    expect(after.pid).not.toBe(before.pid);
    expect(isAlive(after.pid)).toBe(true);
    const client = new TritonClient({ url: after.url });
    try {
      expect(await client.isReady()).toBe(true);
    } finally {
      await client.close();
    }
    const journal = JSON.parse(readFileSync(join(work, 'crash.json'), 'utf8')) as Journal;
    expect(journal.status).toBe('interrupted');
    expect(journal.method[0]?.revert, JSON.stringify(journal.method[0]?.revert)).toMatchObject({
      type: 'triton-start',
      outcome: 'succeeded',
    });
  });
});
