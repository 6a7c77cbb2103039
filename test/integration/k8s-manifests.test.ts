import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  type KubernetesObject,
  type V1CustomResourceDefinition,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplyRefused, applyObjects, manifestObjects } from '../../src/adapters/kubernetes/apply.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import type { LocalCluster } from '../../src/services/cluster/cluster.ts';
import { startTestCluster } from './fixtures/cluster.ts';

/**
 * What `npm run gen` writes for Kubernetes (serving/k8s, chaos/k8s, batch/k8s) against a real
 * kube-apiserver v1.37 with the prometheus-operator ServiceMonitor CRD installed from its
 * real definition: applied server-side, so the server's own validation (built-in schemas,
 * the CRD's OpenAPI schema, unknown fields) and admission judge every object; the scheduler
 * and kwok's fake GPU nodes decide where the Triton pods land.
 */
const MODEL_LOAD_MS = 1_500;
const NAMESPACE = 'steadystate';
const TRITON_SELECTOR = 'app.kubernetes.io/name=triton,app.kubernetes.io/instance=fraud-serving';

let cluster: LocalCluster;
const file = (...parts: string[]) => readFileSync(join(paths.root(), ...parts), 'utf8');
const generated = (folder: string, name: string) => manifestObjects(file(folder, 'k8s', name));
const waitFor = async <T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const isReady = (p: V1Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

beforeAll(async () => {
  cluster = await startTestCluster({ modelLoadMs: MODEL_LOAD_MS });
  const crd = manifestObjects(file('cluster', 'crds', 'monitoring.coreos.com_servicemonitors.yaml'));
  await applyObjects(cluster.kubeConfig, crd);
  // A CRD serves its kind only once Established; until then a ServiceMonitor is a 404.
  const ext = cluster.kubeConfig.makeApiClient((await import('@kubernetes/client-node')).ApiextensionsV1Api);
  await waitFor('ServiceMonitor CRD Established', async () => {
    const got: V1CustomResourceDefinition = await ext.readCustomResourceDefinition({
      name: 'servicemonitors.monitoring.coreos.com',
    });
    return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('the generated manifests on a real API server', () => {
  it('accepts every object of serving/k8s, chaos/k8s and batch/k8s, applied server-side', async () => {
    const objects: KubernetesObject[] = [
      ...generated('serving', 'namespace.yaml'),
      ...generated('serving', 'triton.yaml'),
      ...generated('serving', 'gateway.yaml'),
      ...generated('chaos', 'rbac.yaml'),
      ...generated('chaos', 'cronjobs.yaml'),
      // The spot batch Job: podFailurePolicy, spot affinity and tolerations judged by the server.
      ...generated('batch', 'fraud-batch.yaml'),
    ];
    const kinds = new Set(objects.map((o) => o.kind));
    // Every kind the generators write is here, the CRD-backed one included.
    for (const kind of [
      'Namespace',
      'Deployment',
      'Service',
      'ServiceMonitor',
      'CronJob',
      'Role',
      'RoleBinding',
      'Job',
    ]) {
      expect(kinds).toContain(kind);
    }
    const applied = await applyObjects(cluster.kubeConfig, objects);
    expect(applied).toHaveLength(objects.length);
    for (const [i, o] of applied.entries()) {
      expect(o.metadata?.uid, `${objects[i]?.kind} ${objects[i]?.metadata?.name}`).toMatch(/^[0-9a-f-]{36}$/);
      expect(o.metadata?.managedFields?.some((f) => f.manager === 'steadystate' && f.operation === 'Apply')).toBe(true);
    }
    // Applying again is a no-op for the server (same generation): the manifests are stable.
    const again = await applyObjects(cluster.kubeConfig, objects);
    expect(again.map((o) => o.metadata?.generation)).toEqual(applied.map((o) => o.metadata?.generation));
  });

  it.each<[string, KubernetesObject, RegExp]>([
    [
      'a Deployment with negative replicas (built-in validation)',
      withPatch(generated('serving', 'triton.yaml').find((o) => o.kind === 'Deployment')!, { spec: { replicas: -1 } }),
      /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/,
    ],
    [
      'a Deployment with a misspelt field (schema: field not declared)',
      withPatch(generated('serving', 'triton.yaml').find((o) => o.kind === 'Deployment')!, { spec: { replica: 2 } }),
      /\.spec\.replica: field not declared in schema/,
    ],
    [
      'a ServiceMonitor whose endpoint port is a number (the CRD says string)',
      withPatch(generated('serving', 'triton.yaml').find((o) => o.kind === 'ServiceMonitor')!, {
        spec: { endpoints: [{ port: 8002, path: '/metrics' }] },
      }),
      /\.spec\.endpoints\[0\]\.port: expected string, got/,
    ],
    [
      'a CronJob with an invalid schedule',
      withPatch(generated('chaos', 'cronjobs.yaml')[0]!, { spec: { schedule: '61 * * * *' } }),
      /spec\.schedule: Invalid value: "61 \* \* \* \*"/,
    ],
  ])('refuses %s, quoting the server', async (_name, broken, message) => {
    const attempt = applyObjects(cluster.kubeConfig, [broken]);
    await expect(attempt).rejects.toBeInstanceOf(ApplyRefused);
    await expect(attempt).rejects.toThrow(message);
  });

  it("schedules the Triton Deployment's pods only onto GPU nodes, Ready after the model load", async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    const deployment: V1Deployment = await apps.readNamespacedDeployment({
      name: 'fraud-serving-triton',
      namespace: NAMESPACE,
    });
    const replicas = deployment.spec?.replicas ?? 0;
    expect(replicas).toBe(2);
    const pods = await waitFor('two Ready Triton pods', async () => {
      const list = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: TRITON_SELECTOR });
      const ready = list.items.filter(isReady);
      return ready.length === replicas ? ready : undefined;
    });
    const nodes = await core.listNode();
    const gpuNodes = new Set(
      nodes.items.filter((n) => n.status?.allocatable?.['nvidia.com/gpu']).map((n) => n.metadata?.name),
    );
    expect(gpuNodes.size).toBeGreaterThanOrEqual(2);
    for (const pod of pods) expect(gpuNodes).toContain(pod.spec?.nodeName);
    // One per GPU node (one GPU each, topology spread): not both on one.
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(2);
    // Readiness waited for the model load (kwok's GPU Stage), not a fixed zero.
    for (const pod of pods) {
      const created = new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
      const readyAt = new Date(
        pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? 0,
      ).getTime();
      // Timestamps have one-second resolution.
      expect(readyAt - created).toBeGreaterThanOrEqual(MODEL_LOAD_MS - 1_000);
    }
    // The gateway does not tolerate the GPU taint: its pods are on CPU nodes.
    const gatewayPods = await waitFor('scheduled gateway pods', async () => {
      const list = await core.listNamespacedPod({
        namespace: NAMESPACE,
        labelSelector: 'app.kubernetes.io/name=steadystate-gateway',
      });
      return list.items.length > 0 && list.items.every((p) => p.spec?.nodeName) ? list.items : undefined;
    });
    for (const pod of gatewayPods) expect(gpuNodes).not.toContain(pod.spec?.nodeName);
  });

  it('leaves a GPU pod without the GPU toleration unschedulable (the taint is real)', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'gpu-no-toleration' },
        spec: {
          // The generated namespace enforces the "restricted" Pod Security Standard.
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          nodeSelector: { 'nvidia.com/gpu.present': 'true' },
          containers: [
            {
              name: 'c',
              image: 'x',
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              resources: { limits: { 'nvidia.com/gpu': '1' }, requests: { 'nvidia.com/gpu': '1' } },
            },
          ],
        },
      },
    });
    const condition = await waitFor('the scheduler to give up on the pod', async () => {
      const pod = await core.readNamespacedPod({ name: 'gpu-no-toleration', namespace: NAMESPACE });
      const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
      return c?.status === 'False' ? c : undefined;
    });
    expect(condition.reason).toBe('Unschedulable');
    expect(condition.message).toMatch(/untolerated taint\(s\)/);
  });
});

function withPatch(object: KubernetesObject, patch: Record<string, unknown>): KubernetesObject {
  const copy = structuredClone(object) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    copy[key] =
      value && typeof value === 'object' && !Array.isArray(value)
        ? { ...(copy[key] as Record<string, unknown>), ...(value as Record<string, unknown>) }
        : value;
  }
  return copy as unknown as KubernetesObject;
}
