import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesPodsApi } from '../../src/adapters/chaos/kubernetes-pods.ts';
import { HttpPromQuery } from '../../src/adapters/chaos/prometheus-query.ts';
import { readDatasetCsv } from '../../src/adapters/files/dataset-csv.ts';
import { loadExperimentFile } from '../../src/adapters/files/experiment-file.ts';
import { applyObjects, manifestObjects } from '../../src/adapters/kubernetes/apply.ts';
import { serviceAccountKubeConfig } from '../../src/adapters/kubernetes/service-account.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import type { Journal } from '../../src/core/chaos/journal.ts';
import { TrafficGenerator } from '../../src/core/chaos/traffic.ts';
import type { ChaosExperimentDocument } from '../../src/core/spec/kinds/chaos-experiment.ts';
import { defaultChaosTarget } from '../../src/core/spec/kinds/chaos-target.ts';
import { documentsOfKind, parseSpec } from '../../src/core/spec/parse.ts';
import { loadFeatureSchema } from '../../src/gateway/start.ts';
import { startTrafficLoad } from '../../src/services/chaos/built-in-load.ts';
import type { ChaosEnvironment } from '../../src/services/chaos/environment.ts';
import { runExperiment } from '../../src/services/chaos/runner.ts';
import { startRollbackStandIn } from './fixtures/ab-rollback-stand-in.ts';
import { type ChaosStack, startChaosStack } from './fixtures/chaos-stack.ts';
import { startTestCluster } from './fixtures/cluster.ts';
import { ADMIN_TOKEN, featuresFor, predict } from './fixtures/gateway.ts';

function testRows() {
  const schema = loadFeatureSchema(paths.featureSchema());
  return readDatasetCsv(join(paths.root(), 'serving', 'data', 'test.csv'), schema, 2_000).map((r) => r.features);
}

/**
 * Every shipped experiment, run by the real runner against the real embedded stack
 * (Triton, the gateway, Redis as cache and feature store, Prometheus for the drift probe):
 * it passes on the healthy stack, and deviates when its mitigation is switched off. That
 * second half is what proves an experiment can fail.
 */
/**
 * Healthy runs at 0.3: every wait, fault and target shrinks to 30% (stricter than declared).
 * Runs without their mitigation at 0.2: they must deviate for the reason the test names.
 */
const TIME_SCALE = 0.3;
const TIME_SCALE_OFF = 0.2;
const dir = join(paths.root(), 'chaos', 'experiments');
const experiment = (name: string) => loadExperimentFile(join(dir, `${name}.yaml`));
const measured: Record<string, { detection: number | null; recovery: number | null }> = {};

let chaos: ChaosStack;
let prometheus: PrometheusServer;

beforeAll(async () => {
  chaos = await startChaosStack();
  prometheus = await startPrometheus({
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    jobs: [{ job: 'gateway', targets: [new URL(chaos.gateway.url).host] }],
  });
});
afterAll(async () => {
  await prometheus?.stop();
  await chaos?.stop();
  if (Object.keys(measured).length > 0) console.log(`measured (time scale ${TIME_SCALE}): ${JSON.stringify(measured)}`);
});

/** Journals land in .steadystate/chaos-tests/ (git-ignored) for a look after a failure. */
async function run(doc: ChaosExperimentDocument, env: ChaosEnvironment, timeScale = TIME_SCALE): Promise<Journal> {
  if (env.gatewayUrl && doc.spec.target === 'local') await untilServing(env.gatewayUrl);
  const journal = await runExperiment({
    document: doc,
    stack: chaos.stack,
    target: defaultChaosTarget(),
    env,
    timeScale,
  });
  const dir = paths.state('chaos-tests');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(
      dir,
      `${doc.metadata.name}-${timeScale === TIME_SCALE ? 'healthy' : 'off'}-${journal.deviated ? 'deviated' : 'held'}.json`,
    ),
    JSON.stringify(journal, null, 1),
  );
  return journal;
}

/** Until 10 predictions in a row come from the primary path (bounded: 30 s). */
let settleKey = 700_000;
async function untilServing(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let streak = 0;
  while (streak < 10 && Date.now() < deadline) {
    settleKey++;
    const r = await predict(url, `settle-${settleKey}`, featuresFor(settleKey)).catch(() => undefined);
    streak = r?.status === 200 && r.body.served_by === 'primary' ? streak + 1 : 0;
    if (streak === 0) await new Promise((r) => setTimeout(r, 200));
  }
  if (streak < 10) throw new Error(`the gateway at ${url} did not serve from the primary path within 30 s`);
}

function summary(j: Journal): string {
  return `${j.status}${j.deviated ? ' (deviated)' : ''}: ${j.reason}`;
}

describe('the shipped experiments', () => {
  it('cover every row of the playbook failure table and the 500 ms latency practice', () => {
    const names = readdirSync(dir).map((f) => f.replace(/\.yaml$/, ''));
    expect(names).toEqual(
      expect.arrayContaining([
        'gpu-server-crash',
        'model-load-oom',
        'feature-store-down',
        'model-registry-unavailable',
        'ab-variant-failure',
        'model-drift',
        'cache-stampede',
        'latency-500ms',
      ]),
    );
  });
});

describe('guards', () => {
  it('a gateway fault reaching more traffic than blastRadius.maxTrafficShare is refused before anything runs', async () => {
    const admin = chaos.env().admin!;
    // At 50/50, failing all of v2 reaches 50% of requests; ab-variant-failure allows 25%.
    await admin.setWeights('fraud', { v1: 50, v2: 50 });
    try {
      const journal = await run(experiment('ab-variant-failure'), chaos.env());
      expect(journal.status).toBe('failed');
      expect(journal.reason).toMatch(
        /refused before acting: .*reach 50\.0% of requests .* above blastRadius\.maxTrafficShare 25\.0%/,
      );
      expect(journal.method).toEqual([]);
      expect(journal.load).toBeUndefined();
      expect(await admin.getFaults()).toEqual([]);
    } finally {
      await admin.setWeights('fraud', { v1: 80, v2: 20 });
    }
  });
});

describe('on the healthy local stack, each experiment passes', () => {
  it.each([
    'gpu-server-crash',
    'model-load-oom',
    'feature-store-down',
    'model-registry-unavailable',
    'cache-stampede',
    'latency-500ms',
  ])('%s', async (name) => {
    const journal = await run(experiment(name), chaos.env());
    measured[name] = {
      detection: journal.detection?.measuredSeconds ?? null,
      recovery: journal.recovery?.measuredSeconds ?? null,
    };
    expect(summary(journal)).toMatch(/^completed:/);
    expect(journal.before?.held).toBe(true);
    expect(journal.after?.held).toBe(true);
    expect(journal.during.ticks.length).toBeGreaterThan(3);
    if (journal.detection) expect(journal.detection.met).toBe(true);
    if (journal.recovery) expect(journal.recovery.met).toBe(true);
    expect(journal.load?.failed).toBe(0);
  });

  it('ab-variant-failure: the A/B rollback (here a stand-in for the controller) routes 100% to v1 within the target', async () => {
    const standIn = startRollbackStandIn(chaos.gateway.url, ADMIN_TOKEN);
    let journal: Journal;
    try {
      journal = await run(experiment('ab-variant-failure'), chaos.env());
    } finally {
      standIn.stop();
    }
    measured['ab-variant-failure'] = {
      detection: journal.detection?.measuredSeconds ?? null,
      recovery: journal.recovery?.measuredSeconds ?? null,
    };
    expect(summary(journal)).toMatch(/^completed:/);
    expect(standIn.rolledBackAt()).toBeDefined();
    // The rollbacks put the weights back as they were found.
    expect(await chaos.env().admin?.getWeights('fraud')).toEqual({ v1: 80, v2: 20 });
  });

  it('model-drift: the shift of P(fraud=1) shows in Prometheus within the target', async () => {
    const journal = await run(experiment('model-drift'), {
      ...chaos.env(),
      prometheus: new HttpPromQuery(prometheus.url),
    });
    measured['model-drift'] = { detection: journal.detection?.measuredSeconds ?? null, recovery: null };
    expect(summary(journal)).toMatch(/^completed:/);
    expect(journal.detection?.met).toBe(true);
  });
});

describe('on the Kubernetes target (a real control plane with kwok GPU nodes; the real gateway, under load, and Prometheus)', () => {
  it('k8s-gpu-pod-kill deletes one opted-in Triton pod, times its replacement, and holds its PromQL hypothesis', async () => {
    // The real API server, ReplicaSet controller and scheduler; kwok makes a replacement GPU
    // pod Ready after MODEL_LOAD_MS. The driver acts as the generated chaos ServiceAccount.
    const MODEL_LOAD_MS = 1_000;
    const cluster = await startTestCluster({ modelLoadMs: MODEL_LOAD_MS });
    let journal: Journal;
    try {
      const manifest = (folder: string, name: string) =>
        manifestObjects(readFileSync(join(paths.root(), folder, 'k8s', name), 'utf8'));
      await applyObjects(cluster.kubeConfig, [
        ...manifest('serving', 'namespace.yaml'),
        ...manifest('chaos', 'rbac.yaml'),
        ...manifest('serving', 'triton.yaml').filter((o) => o.kind === 'Deployment'),
      ]);
      const pods = new KubernetesPodsApi(
        await serviceAccountKubeConfig(cluster.kubeConfig, { namespace: 'steadystate', name: 'steadystate-chaos' }),
      );
      const selector = 'app.kubernetes.io/name=triton,app.kubernetes.io/instance=fraud-serving';
      for (let i = 0; i < 200; i++) {
        const { pods: listed } = await pods.list('steadystate', selector);
        if (listed.filter((p) => p.ready).length === 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const spec = parseSpec(readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8'));
      const target = documentsOfKind(spec, 'ChaosTarget')[0]!.spec;
      // In a cluster the traffic is real; here the gateway gets the built-in load's traffic.
      const load = startTrafficLoad({
        gatewayUrl: chaos.gateway.url,
        model: 'fraud',
        spec: { rate: 30, useFeatureStore: false },
        generator: new TrafficGenerator(testRows(), { users: 300, repeatShare: 0.5, hotShare: 0, hotKeys: 5, seed: 3 }),
      });
      try {
        journal = await runExperiment({
          document: experiment('k8s-gpu-pod-kill'),
          stack: chaos.stack,
          target,
          env: { pods, prometheus: new HttpPromQuery(prometheus.url) },
          timeScale: 0.1,
        });
      } finally {
        await load.stop();
      }
    } finally {
      await cluster.stop();
    }
    measured['k8s-gpu-pod-kill'] = { detection: null, recovery: journal.recovery?.measuredSeconds ?? null };
    expect(summary(journal)).toMatch(/^completed:/);
    expect(journal.method[0]?.detail).toMatch(
      /deleted 1 of 2 eligible pods \(fraud-serving-triton-[^,)]+\) in steadystate/,
    );
    expect(journal.method[0]?.measuredSeconds).toBeGreaterThanOrEqual(MODEL_LOAD_MS / 1000 - 0.05);
    expect(journal.recovery?.met).toBe(true);
    const promql = journal.before?.verdicts.find((v) => v.probe === 'p99-within-slo');
    expect(promql?.outcome).toBe('ok');
  });
});

describe('with its mitigation switched off, each experiment deviates', () => {
  const off = (doc: ChaosExperimentDocument, env: ChaosEnvironment) => run(doc, env, TIME_SCALE_OFF);
  const withGateway = (change: Parameters<ChaosStack['startGateway']>[0]) => async (doc: ChaosExperimentDocument) => {
    const gateway = await chaos.startGateway(change);
    try {
      return await off(doc, chaos.env(gateway));
    } finally {
      await gateway.stop();
    }
  };
  // A fresh gateway without fallback tiers per experiment: a shared one carried an open
  // breaker from the previous experiment into the next one's "before" check.
  const noFallbacks = withGateway((s) => {
    s.models[0]!.fallbacks = false;
  });

  it.each<[string, string, (doc: ChaosExperimentDocument) => Promise<Journal>, RegExp]>([
    ['gpu-server-crash', 'fallbacks: false', noFallbacks, /every-request-answered|users-see-errors/],
    ['model-load-oom', 'fallbacks: false', noFallbacks, /every-request-answered|users-see-errors/],
    ['latency-500ms', 'fallbacks: false', noFallbacks, /every-request-answered|users-see-errors/],
    ['cache-stampede', 'fallbacks: false (no cache tier)', noFallbacks, /triton-shielded|detection/],
    [
      'feature-store-down',
      'featureStore.timeout: 2s (no bounded lookup)',
      withGateway((s) => {
        s.featureStore!.timeout = '2s';
      }),
      // Lookups that hang for 2 s: users wait, or (with requests piling up behind them) see errors.
      /p99-within-slo|users-wait|users-see-errors/,
    ],
    [
      'model-registry-unavailable',
      'the deploy replaces the model (unload, then load) instead of reloading in place',
      (doc) => {
        const changed = structuredClone(doc);
        const step = changed.spec.method.find((s) => s.name === 'deploy-during-the-outage');
        if (step?.action.type !== 'triton-load') throw new Error('the experiment changed: no deploy step');
        step.action.strategy = 'replace';
        return off(changed, chaos.env());
      },
      /fraud-v2-stays-loaded|primary-serves/,
    ],
    ['ab-variant-failure', 'no A/B controller running', (doc) => off(doc, chaos.env()), /recovery target missed/],
    [
      'model-drift',
      'monitoring blind: Prometheus does not scrape the gateway',
      async (doc) => {
        const blind = await startPrometheus({
          scrapeInterval: '1s',
          evaluationInterval: '1s',
          jobs: [{ job: 'nothing', targets: ['127.0.0.1:1'] }],
        });
        try {
          return await off(doc, { ...chaos.env(), prometheus: new HttpPromQuery(blind.url) });
        } finally {
          await blind.stop();
        }
      },
      /detection target missed/,
    ],
  ])('%s, with %s', async (name, _how, runOff, why) => {
    const journal = await runOff(experiment(name));
    expect(summary(journal)).toMatch(why);
    expect(journal.deviated).toBe(true);
    expect(['failed', 'aborted']).toContain(journal.status);
    expect(journal.reason).toMatch(why);
    // Whatever happened, the rollbacks ran and left the stack as it was.
    expect(journal.rollbacks.every((r) => r.outcome === 'succeeded')).toBe(true);
  });
});
