import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesPodsApi, type PodsApi } from '../../src/adapters/chaos/kubernetes-pods.ts';
import { HttpPromQuery } from '../../src/adapters/chaos/prometheus-query.ts';
import { loadExperimentFile } from '../../src/adapters/files/experiment-file.ts';
import { applyObjects, manifestObjects } from '../../src/adapters/kubernetes/apply.ts';
import { serviceAccountKubeConfig } from '../../src/adapters/kubernetes/service-account.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import type { PodDeleteAction } from '../../src/core/spec/kinds/chaos/actions.ts';
import { chaosTargetSpec } from '../../src/core/spec/kinds/chaos-target.ts';
import { parseSpec, stackOf } from '../../src/core/spec/parse.ts';
import { deletePodsAndWait, selectForDeletion } from '../../src/services/chaos/providers/kubernetes.ts';
import { runExperiment } from '../../src/services/chaos/runner.ts';
import type { LocalCluster } from '../../src/services/cluster/cluster.ts';
import { startTestCluster } from './fixtures/cluster.ts';

/**
 * The Kubernetes pod-delete driver against a real control plane (kube-apiserver v1.37,
 * ReplicaSet controller, scheduler, kwok's fake GPU nodes): it acts with a TokenRequest token
 * of the ServiceAccount that chaos/k8s/rbac.yaml generates, so what it may do is decided by
 * the server's RBAC for that Role. Replacement pods come from the real ReplicaSet controller
 * and turn Ready after kwok's model-load delay.
 */
const NAMESPACE = 'steadystate';
const TRITON_SELECTOR = 'app.kubernetes.io/name=triton,app.kubernetes.io/instance=fraud-serving';
const OPT_IN = { 'steadystate.dev/chaos': 'true' };
const MODEL_LOAD_MS = 1_000;
const CHAOS_USER = 'system:serviceaccount:steadystate:steadystate-chaos';

const target = chaosTargetSpec.parse({ cluster: { namespaces: [NAMESPACE] } });
const limits = (over: Record<string, number> = {}) => chaosTargetSpec.shape.blastRadius.parse(over);
const action = (over: Partial<PodDeleteAction> = {}): PodDeleteAction => ({
  type: 'pod-delete',
  namespace: NAMESPACE,
  labelSelector: TRITON_SELECTOR,
  mode: 'one',
  seed: 1,
  waitReady: true,
  readyTimeout: '30s',
  ...over,
});

/** The driver's API calls, counted: the guards must refuse before calling, or before deleting. */
class CountingPods implements PodsApi {
  calls: string[] = [];
  private readonly inner: PodsApi;
  constructor(inner: PodsApi) {
    this.inner = inner;
  }
  list(namespace: string, labelSelector: string) {
    this.calls.push(`list ${namespace}`);
    return this.inner.list(namespace, labelSelector);
  }
  delete(namespace: string, name: string, grace?: number) {
    this.calls.push(`delete ${namespace}/${name}`);
    return this.inner.delete(namespace, name, grace);
  }
  watch(...args: Parameters<PodsApi['watch']>) {
    this.calls.push(`watch ${args[0]}`);
    return this.inner.watch(...args);
  }
  deletes() {
    return this.calls.filter((c) => c.startsWith('delete'));
  }
}

let cluster: LocalCluster;
let core: CoreV1Api;
let pods: CountingPods;
const file = (...parts: string[]) => readFileSync(join(paths.root(), ...parts), 'utf8');
const isReady = (p: V1Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const readyPods = async (selector: string, namespace = NAMESPACE) =>
  (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.filter(
    (p) => isReady(p) && !p.metadata?.deletionTimestamp,
  );
async function waitReadyCount(selector: string, count: number, namespace = NAMESPACE): Promise<V1Pod[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await readyPods(selector, namespace);
    if (ready.length === count) return ready;
    if (Date.now() > deadline) throw new Error(`${count} Ready pods for ${selector}: only ${ready.length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A plain (CPU) Deployment `app=<name>`, or bare pods without a controller. */
async function workload(
  name: string,
  replicas: number,
  options: { optIn?: boolean; bare?: boolean; namespace?: string } = {},
) {
  const namespace = options.namespace ?? NAMESPACE;
  const template = {
    metadata: { labels: { app: name }, annotations: options.optIn === false ? {} : OPT_IN },
    // The generated namespace enforces the "restricted" Pod Security Standard.
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' as const } },
      containers: [
        {
          name: 'c',
          image: 'registry.invalid/none',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
  if (options.bare) {
    for (let i = 0; i < replicas; i++) {
      await core.createNamespacedPod({
        namespace,
        body: { ...template, metadata: { ...template.metadata, name: `${name}-${i}` } },
      });
    }
  } else {
    await cluster.kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace,
      body: { metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template } },
    });
  }
}

beforeAll(async () => {
  cluster = await startTestCluster({ modelLoadMs: MODEL_LOAD_MS });
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await applyObjects(cluster.kubeConfig, [
    ...manifestObjects(file('serving', 'k8s', 'namespace.yaml')),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
    ...manifestObjects(file('chaos', 'k8s', 'rbac.yaml')),
    ...manifestObjects(file('serving', 'k8s', 'triton.yaml')).filter((o) => o.kind === 'Deployment'),
  ]);
  // Pods are admitted only once the namespace's default ServiceAccount exists (controller-made).
  for (let i = 0; i < 100; i++) {
    const accounts = await core.listNamespacedServiceAccount({ namespace: NAMESPACE });
    if (accounts.items.some((a) => a.metadata?.name === 'default')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.all([
    workload('percent-demo', 5),
    workload('not-opted-in', 3, { optIn: false }),
    workload('six', 6),
    workload('three', 3),
    workload('single', 1),
    workload('bare', 2, { bare: true }),
    workload('payroll', 1, { namespace: 'payments' }),
  ]);
  await Promise.all([
    waitReadyCount(TRITON_SELECTOR, 2),
    waitReadyCount('app=percent-demo', 5),
    waitReadyCount('app=six', 6),
    waitReadyCount('app=bare', 2),
    waitReadyCount('app=payroll', 1, 'payments'),
  ]);
  const chaosAccount = await serviceAccountKubeConfig(cluster.kubeConfig, {
    namespace: NAMESPACE,
    name: 'steadystate-chaos',
  });
  pods = new CountingPods(new KubernetesPodsApi(chaosAccount));
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(() => {
  if (pods) pods.calls = [];
});

describe('pod-delete through the real API server, as the chaos ServiceAccount', () => {
  it('deletes one opted-in Ready Triton pod; the ReplicaSet replaces it, Ready after the model load', async () => {
    const before = (await readyPods(TRITON_SELECTOR)).map((p) => p.metadata?.uid);
    const result = await deletePodsAndWait(pods, action(), target, limits(), new AbortController().signal);
    expect(pods.deletes()).toHaveLength(1);
    expect(pods.deletes()[0]).toMatch(/^delete steadystate\/fraud-serving-triton-/);
    expect(result.measuredSeconds).toBeGreaterThanOrEqual(MODEL_LOAD_MS / 1000 - 0.05);
    expect(result.measuredSeconds).toBeLessThan(MODEL_LOAD_MS / 1000 + 5);
    const after = await waitReadyCount(TRITON_SELECTOR, 2);
    expect(after.filter((p) => !before.includes(p.metadata?.uid))).toHaveLength(1);
    // Watched with the label selector: nothing else in the namespace was touched.
    expect(pods.calls.some((c) => c.startsWith('watch'))).toBe(true);
    expect(await readyPods('app=six')).toHaveLength(6);
  });

  it('mode percent takes that share of the eligible pods (rounded down), the same ones for the same seed', async () => {
    const select = () =>
      selectForDeletion(
        pods,
        action({ labelSelector: 'app=percent-demo', mode: 'percent', value: 50 }),
        target,
        limits({ maxPods: 3 }),
      );
    const a = await select();
    const b = await select();
    expect(a.kind === 'selected' && a.pods.map((p) => p.name)).toEqual(
      b.kind === 'selected' && b.pods.map((p) => p.name),
    );
    expect(a.kind === 'selected' && a.pods).toHaveLength(2);
    expect(pods.deletes()).toHaveLength(0);
  });

  it('gives up after readyTimeout when nothing replaces the pod (bare pods), naming what is missing', async () => {
    const started = performance.now();
    await expect(
      deletePodsAndWait(
        pods,
        action({ labelSelector: 'app=bare', readyTimeout: '1s' }),
        target,
        limits(),
        new AbortController().signal,
      ),
    ).rejects.toThrow(/deleted 1 of 2 eligible pods .*; only 1 of 2 pods Ready after 1s/);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(await readyPods('app=bare')).toHaveLength(1);
  });
});

describe('the guards refuse out-of-bounds targets before acting', () => {
  it.each<[string, () => Parameters<typeof selectForDeletion>, RegExp, number]>([
    [
      'a namespace not in the ChaosTarget allow-list (no API call at all)',
      () => [pods, action({ namespace: 'kube-system' }), target, limits()],
      /namespace kube-system is not in ChaosTarget spec\.cluster\.namespaces \(steadystate\)/,
      0,
    ],
    [
      'pods without the opt-in annotation',
      () => [pods, action({ labelSelector: 'app=not-opted-in' }), target, limits()],
      /no pod matching .* is Ready and opted in \(3 matched, 3 Ready; opt in with the annotation steadystate\.dev\/chaos: "true"\)/,
      1,
    ],
    [
      'more pods than blastRadius.maxPods',
      () => [pods, action({ labelSelector: 'app=six', mode: 'fixed', value: 2 }), target, limits({ maxPods: 1 })],
      /would delete 2 pods, above blastRadius\.maxPods 1/,
      1,
    ],
    [
      'a larger share than blastRadius.maxPodPercent',
      () => [
        pods,
        action({ labelSelector: 'app=three', mode: 'fixed', value: 2 }),
        target,
        limits({ maxPods: 5, maxPodPercent: 50 }),
      ],
      /deleting 2 of 3 eligible pods is 67%, above blastRadius\.maxPodPercent 50%/,
      1,
    ],
    [
      'the last Ready pod (keepReady)',
      () => [pods, action({ labelSelector: 'app=single' }), target, limits({ maxPodPercent: 100 })],
      /would leave 0, below blastRadius\.keepReady 1/,
      1,
    ],
  ])('%s', async (_name, args, message, apiCalls) => {
    const selection = await selectForDeletion(...args());
    expect(selection.kind).toBe('refused');
    expect(selection.kind === 'refused' && selection.why).toMatch(message);
    expect(pods.calls).toHaveLength(apiCalls);
    // Acting anyway goes through the same guards.
    const [p, a, t, l] = args();
    await expect(deletePodsAndWait(p, a, t, l, new AbortController().signal)).rejects.toThrow(message);
    expect(pods.deletes()).toHaveLength(0);
  });

  it('the runner refuses the shipped k8s-gpu-pod-kill before any API call when its namespace is not allowed', async () => {
    const journal = await runExperiment({
      document: loadExperimentFile(join(paths.root(), 'chaos', 'experiments', 'k8s-gpu-pod-kill.yaml')),
      stack: stackOf(parseSpec(file('steadystate.yaml'))).spec,
      target: chaosTargetSpec.parse({ cluster: { namespaces: ['staging'] } }),
      env: { pods, prometheus: new HttpPromQuery('http://127.0.0.1:9') },
    });
    expect(journal.status).toBe('failed');
    expect(journal.deviated).toBe(false);
    expect(journal.reason).toMatch(
      /refused before acting: .*namespace steadystate is not in ChaosTarget spec\.cluster\.namespaces \(staging\)/,
    );
    expect(journal.method).toEqual([]);
    expect(pods.calls).toEqual([]);
  });
});

describe("RBAC is the API server's: the generated Role covers its namespace only", () => {
  it('a namespace the ChaosTarget allows but the Role does not: listing is a 403 from the server', async () => {
    const wider = chaosTargetSpec.parse({ cluster: { namespaces: [NAMESPACE, 'payments'] } });
    const attempt = selectForDeletion(
      pods,
      action({ namespace: 'payments', labelSelector: 'app=payroll' }),
      wider,
      limits(),
    );
    await expect(attempt).rejects.toThrow(/403/);
    await expect(attempt).rejects.toThrow(new RegExp(`${CHAOS_USER}.{0,4} cannot list resource .{0,4}pods`));
    expect(pods.deletes()).toHaveLength(0);
  });

  it('deleting a pod outside the Role namespace is a 403, and the pod is still there', async () => {
    const [payroll] = await readyPods('app=payroll', 'payments');
    const name = payroll?.metadata?.name ?? '';
    const attempt = pods.delete('payments', name);
    await expect(attempt).rejects.toThrow(/403/);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `${CHAOS_USER}.{0,4} cannot delete resource .{0,4}pods.{0,4} in API group .{0,10} in the namespace .{0,4}payments`,
      ),
    );
    expect((await readyPods('app=payroll', 'payments')).map((p) => p.metadata?.name)).toEqual([name]);
  });
});
