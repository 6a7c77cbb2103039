import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesPodsApi } from '../../src/adapters/chaos/kubernetes-pods.ts';
import { HttpPromQuery } from '../../src/adapters/chaos/prometheus-query.ts';
import { loadExperimentFile } from '../../src/adapters/files/experiment-file.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import type { PodDeleteAction } from '../../src/core/spec/kinds/chaos/actions.ts';
import { chaosTargetSpec } from '../../src/core/spec/kinds/chaos-target.ts';
import { parseSpec, stackOf } from '../../src/core/spec/parse.ts';
import { deletePodsAndWait, selectForDeletion } from '../../src/services/chaos/providers/kubernetes.ts';
import { runExperiment } from '../../src/services/chaos/runner.ts';
import { type FakeKubeApi, startFakeKubeApi } from './fixtures/fake-kube-api.ts';

/**
 * The Kubernetes pod-delete driver (@kubernetes/client-node) against an HTTP server that
 * speaks the real pods API: list with labelSelector, delete, watch. Known limit: no real
 * API server runs on these machines, so scheduling, kubelets and admission are simulated
 * (a replacement pod turns Ready after a fixed delay).
 */
const TRITON = { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': 'fraud-serving' };
const SELECTOR = 'app.kubernetes.io/name=triton,app.kubernetes.io/instance=fraud-serving';
const OPT_IN = { 'steadystate.dev/chaos': 'true' };
const READY_AFTER_MS = 800;

const target = chaosTargetSpec.parse({ cluster: { namespaces: ['steadystate'] } });
const limits = (over: Record<string, number> = {}) => chaosTargetSpec.shape.blastRadius.parse(over);
const action = (over: Partial<PodDeleteAction> = {}): PodDeleteAction => ({
  type: 'pod-delete',
  namespace: 'steadystate',
  labelSelector: SELECTOR,
  mode: 'one',
  seed: 1,
  waitReady: true,
  readyTimeout: '30s',
  ...over,
});

let api: FakeKubeApi;
let pods: KubernetesPodsApi;
beforeEach(async () => {
  api = await startFakeKubeApi({
    allowedNamespaces: ['steadystate', 'kube-system'],
    replacementReadyAfterMs: READY_AFTER_MS,
    terminationMs: 300,
  });
  pods = new KubernetesPodsApi(api.kubeConfig());
});
afterEach(async () => {
  await api.close();
});

const deletes = () => api.requests.filter((r) => r.method === 'DELETE');
const readyTriton = () =>
  api
    .pods('steadystate')
    .filter((p) => p.metadata.labels['app.kubernetes.io/name'] === 'triton')
    .filter((p) => !p.metadata.deletionTimestamp && p.status.conditions[0]?.status === 'True');

describe('pod-delete on the Kubernetes API', () => {
  it('deletes one opted-in Ready Triton pod and measures until its replacement is Ready', async () => {
    api.addWorkload({
      name: 'fraud-serving-triton',
      namespace: 'steadystate',
      labels: TRITON,
      annotations: OPT_IN,
      replicas: 3,
    });
    api.addWorkload({
      name: 'fraud-serving-gateway',
      namespace: 'steadystate',
      labels: { 'app.kubernetes.io/name': 'steadystate-gateway' },
      annotations: OPT_IN,
      replicas: 3,
    });
    const before = readyTriton().map((p) => p.metadata.uid);
    const result = await deletePodsAndWait(pods, action(), target, limits(), new AbortController().signal);
    expect(deletes()).toHaveLength(1);
    expect(deletes()[0]?.path).toMatch(/^\/api\/v1\/namespaces\/steadystate\/pods\/fraud-serving-triton-/);
    expect(result.measuredSeconds).toBeGreaterThanOrEqual(READY_AFTER_MS / 1000 - 0.05);
    expect(result.measuredSeconds).toBeLessThan(READY_AFTER_MS / 1000 + 2);
    const after = readyTriton().map((p) => p.metadata.uid);
    expect(after).toHaveLength(3);
    expect(after.filter((uid) => !before.includes(uid))).toHaveLength(1);
    // The list and the watch used the label selector: the gateway pods were never touched.
    expect(api.requests.some((r) => r.query.watch === 'true' && r.query.labelSelector === SELECTOR)).toBe(true);
    expect(
      api.pods('steadystate').filter((p) => p.metadata.labels['app.kubernetes.io/name'] === 'steadystate-gateway'),
    ).toHaveLength(3);
  });

  it('mode percent takes that share of the eligible pods (rounded down), the same ones for the same seed', async () => {
    api.addWorkload({
      name: 'fraud-serving-triton',
      namespace: 'steadystate',
      labels: TRITON,
      annotations: OPT_IN,
      replicas: 5,
    });
    const a = await selectForDeletion(pods, action({ mode: 'percent', value: 50 }), target, limits({ maxPods: 3 }));
    const b = await selectForDeletion(pods, action({ mode: 'percent', value: 50 }), target, limits({ maxPods: 3 }));
    expect(a.kind === 'selected' && a.pods.map((p) => p.name)).toEqual(
      b.kind === 'selected' && b.pods.map((p) => p.name),
    );
    expect(a.kind === 'selected' && a.pods).toHaveLength(2);
    expect(deletes()).toHaveLength(0);
  });

  it('resumes from a list when the API server drops its watch', async () => {
    api.addWorkload({
      name: 'fraud-serving-triton',
      namespace: 'steadystate',
      labels: TRITON,
      annotations: OPT_IN,
      replicas: 2,
    });
    setTimeout(() => api.dropWatches(), 200);
    const result = await deletePodsAndWait(
      pods,
      action({ mode: 'one' }),
      target,
      limits(),
      new AbortController().signal,
    );
    expect(result.measuredSeconds).toBeGreaterThan(0.5);
    expect(readyTriton()).toHaveLength(2);
    expect(api.requests.filter((r) => r.query.watch === 'true').length).toBeGreaterThanOrEqual(2);
  });

  it('gives up after readyTimeout when no replacement becomes Ready, naming what is missing', async () => {
    // Bare pods (no controller): nothing replaces the deleted one.
    api.addWorkload({
      name: 'fraud-serving-triton',
      namespace: 'steadystate',
      labels: TRITON,
      annotations: OPT_IN,
      replicas: 2,
      controlled: false,
    });
    const started = performance.now();
    await expect(
      deletePodsAndWait(pods, action({ readyTimeout: '1s' }), target, limits(), new AbortController().signal),
    ).rejects.toThrow(/deleted 1 of 2 eligible pods .*; only 1 of 2 pods Ready after 1s/);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

describe('the guards refuse out-of-bounds targets before acting', () => {
  it.each<[string, () => void, () => Parameters<typeof selectForDeletion>, RegExp, number]>([
    [
      'a namespace not in the ChaosTarget allow-list (no API call at all)',
      () =>
        api.addWorkload({ name: 'dns', namespace: 'kube-system', labels: TRITON, annotations: OPT_IN, replicas: 3 }),
      () => [pods, action({ namespace: 'kube-system' }), target, limits()],
      /namespace kube-system is not in ChaosTarget spec\.cluster\.namespaces \(steadystate\)/,
      0,
    ],
    [
      'pods without the opt-in annotation',
      () =>
        api.addWorkload({
          name: 'fraud-serving-triton',
          namespace: 'steadystate',
          labels: TRITON,
          annotations: {},
          replicas: 3,
        }),
      () => [pods, action(), target, limits()],
      /no pod matching .* is Ready and opted in \(3 matched, 3 Ready; opt in with the annotation steadystate\.dev\/chaos: "true"\)/,
      1,
    ],
    [
      'more pods than blastRadius.maxPods',
      () =>
        api.addWorkload({
          name: 'fraud-serving-triton',
          namespace: 'steadystate',
          labels: TRITON,
          annotations: OPT_IN,
          replicas: 6,
        }),
      () => [pods, action({ mode: 'fixed', value: 2 }), target, limits({ maxPods: 1 })],
      /would delete 2 pods, above blastRadius\.maxPods 1/,
      1,
    ],
    [
      'a larger share than blastRadius.maxPodPercent',
      () =>
        api.addWorkload({
          name: 'fraud-serving-triton',
          namespace: 'steadystate',
          labels: TRITON,
          annotations: OPT_IN,
          replicas: 3,
        }),
      () => [pods, action({ mode: 'fixed', value: 2 }), target, limits({ maxPods: 5, maxPodPercent: 50 })],
      /deleting 2 of 3 eligible pods is 67%, above blastRadius\.maxPodPercent 50%/,
      1,
    ],
    [
      'the last Ready pod (keepReady)',
      () =>
        api.addWorkload({
          name: 'fraud-serving-triton',
          namespace: 'steadystate',
          labels: TRITON,
          annotations: OPT_IN,
          replicas: 1,
        }),
      () => [pods, action(), target, limits({ maxPodPercent: 100 })],
      /would leave 0, below blastRadius\.keepReady 1/,
      1,
    ],
  ])('%s', async (_name, setUp, args, message, apiCalls) => {
    setUp();
    const selection = await selectForDeletion(...args());
    expect(selection.kind).toBe('refused');
    expect(selection.kind === 'refused' && selection.why).toMatch(message);
    expect(api.requests).toHaveLength(apiCalls);
    expect(deletes()).toHaveLength(0);
    // Acting anyway goes through the same guards.
    const [p, a, t, l] = args();
    await expect(deletePodsAndWait(p, a, t, l, new AbortController().signal)).rejects.toThrow(message);
    expect(deletes()).toHaveLength(0);
  });

  it('the runner refuses the shipped k8s-gpu-pod-kill before any API call when its namespace is not allowed', async () => {
    api.addWorkload({
      name: 'fraud-serving-triton',
      namespace: 'steadystate',
      labels: TRITON,
      annotations: OPT_IN,
      replicas: 3,
    });
    const journal = await runExperiment({
      document: loadExperimentFile(join(paths.root(), 'chaos', 'experiments', 'k8s-gpu-pod-kill.yaml')),
      stack: stackOf(parseSpec(readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8'))).spec,
      target: chaosTargetSpec.parse({ cluster: { namespaces: ['staging'] } }),
      env: { pods, prometheus: new HttpPromQuery('http://127.0.0.1:9') },
    });
    expect(journal.status).toBe('failed');
    expect(journal.deviated).toBe(false);
    expect(journal.reason).toMatch(
      /refused before acting: .*namespace steadystate is not in ChaosTarget spec\.cluster\.namespaces \(staging\)/,
    );
    expect(journal.method).toEqual([]);
    expect(journal.rollbacks).toEqual([]);
    expect(api.requests).toEqual([]);
  });

  it('a namespace the ChaosTarget allows but the Role does not: the API refusal (403) is reported', async () => {
    const wider = chaosTargetSpec.parse({ cluster: { namespaces: ['steadystate', 'payments'] } });
    await expect(selectForDeletion(pods, action({ namespace: 'payments' }), wider, limits())).rejects.toThrow(
      /forbidden|403/i,
    );
    expect(deletes()).toHaveLength(0);
  });
});
