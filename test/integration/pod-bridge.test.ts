import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects, manifestObjects } from '../../src/adapters/kubernetes/apply.ts';
import type { PodWatch } from '../../src/adapters/kubernetes/pod-informer.ts';
import { readIdentity } from '../../src/adapters/process/identity.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import { type RunningGateway, startGateway } from '../../src/gateway/start.ts';
import { TritonReplicas } from '../../src/gateway/upstream/triton-replicas.ts';
import type { LocalCluster } from '../../src/services/cluster/cluster.ts';
import { type PodBridge, startPodBridge, tritonLauncher } from '../../src/services/cluster/pod-bridge.ts';
import { watchTritonEndpoints } from '../../src/services/cluster/triton-endpoints.ts';
import { OpenLoad } from '../../src/services/load/open-load.ts';
import { startTestCluster } from './fixtures/cluster.ts';
import { ADMIN_TOKEN, featuresFor, testStack } from './fixtures/gateway.ts';

/**
 * Pods that are processes: the Triton Deployment (generated serving/k8s/triton.yaml, two
 * replicas) on the real control plane, each of its pods bridged to a real local
 * `tritonserver`; the gateway finds the replicas through a watch on the pods and spreads
 * load over them. Deleting one pod kills its process; the ReplicaSet's replacement gets a
 * new one, and under load through all of it no request fails or leaves the primary path.
 */
const NAMESPACE = 'steadystate';
const SELECTOR = 'app.kubernetes.io/name=triton,app.kubernetes.io/instance=fraud-serving';

let cluster: LocalCluster;
let bridge: PodBridge | undefined;
let replicas: TritonReplicas | undefined;
let endpoints: PodWatch | undefined;
let gateway: RunningGateway | undefined;

async function until<T>(
  what: string,
  read: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Successful inferences a Triton served (all models), from its statistics extension. */
async function served(url: string): Promise<number> {
  const res = await fetch(`${url}/v2/models/stats`);
  const body = (await res.json()) as { model_stats: { inference_stats: { success: { count: number } } }[] };
  return body.model_stats.reduce((sum, m) => sum + m.inference_stats.success.count, 0);
}

beforeAll(async () => {
  cluster = await startTestCluster({ modelLoadMs: 1_000 });
  await applyObjects(cluster.kubeConfig, [
    ...manifestObjects(readFileSync(join(paths.root(), 'serving', 'k8s', 'namespace.yaml'), 'utf8')),
    ...manifestObjects(readFileSync(join(paths.root(), 'serving', 'k8s', 'triton.yaml'), 'utf8')).filter(
      (o) => o.kind === 'Deployment',
    ),
  ]);
  bridge = await startPodBridge({
    kubeConfig: cluster.kubeConfig,
    namespace: NAMESPACE,
    labelSelector: SELECTOR,
    launch: tritonLauncher(),
  });
  replicas = new TritonReplicas();
  endpoints = await watchTritonEndpoints(cluster.kubeConfig, NAMESPACE, SELECTOR, replicas);
  const r = replicas;
  await until('two Triton pods serving and discovered', () => r.ids().length === 2 || undefined, 120_000);
  gateway = await startGateway({
    stack: testStack(),
    root: paths.root(),
    port: 0,
    adminToken: ADMIN_TOKEN,
    logger: false,
    tritonReplicas: replicas,
  });
}, 180_000);
afterAll(async () => {
  await gateway?.close();
  await endpoints?.stop();
  await replicas?.close();
  await bridge?.stop();
  await cluster?.stop();
}, 60_000);

describe('the Triton Deployment bridged to local tritonserver processes', () => {
  it('spreads load over both pods; a deleted pod loses its process, its replacement gets one, and nothing fails', async () => {
    const b = bridge as PodBridge;
    const r = replicas as TritonReplicas;
    const before = new Map(b.serving());
    expect(before.size).toBe(2);
    let i = 0;
    // Every request a distinct transaction: no cache hit hides a Triton failure.
    const load = new OpenLoad({
      url: (gateway as RunningGateway).url,
      ratePerSecond: 20,
      next: () => ({ userId: `u${i}`, features: featuresFor(i++), kind: 'fresh', fraudLike: false }),
      timeoutMs: 5_000,
    }).start();
    await new Promise((res) => setTimeout(res, 3_000));
    const [victim, victimUrl] = [...before.entries()][0] as [string, string];
    const [survivor, survivorUrl] = [...before.entries()][1] as [string, string];
    const servedBefore = { victim: await served(victimUrl), survivor: await served(survivorUrl) };
    const victimPid = b.events
      .find((e) => e.pod === victim && e.kind === 'started')
      ?.detail.match(/process (\d+)/)?.[1];

    const deletedAt = Date.now();
    await cluster.kubeConfig.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: victim, namespace: NAMESPACE });
    await until(
      'the victim process stopped',
      () => b.events.some((e) => e.pod === victim && e.kind === 'stopped') || undefined,
    );
    const replacement = await until(
      'a replacement pod serving and discovered',
      () => r.ids().find((id) => id !== victim && id !== survivor),
      120_000,
    );
    const recoveredSeconds = (Date.now() - deletedAt) / 1000;
    await new Promise((res) => setTimeout(res, 3_000));
    const result = await load.stop(5_000);
    const replacementUrl = b.serving().get(replacement) as string;

    console.log(
      `pod ${victim} deleted; replacement ${replacement} serving after ${recoveredSeconds.toFixed(1)} s; ` +
        `${result.records.length} requests, served before the kill: ${JSON.stringify(servedBefore)}`,
    );
    // Both replicas took load before the kill (the gateway spread it).
    expect(servedBefore.victim).toBeGreaterThan(5);
    expect(servedBefore.survivor).toBeGreaterThan(5);
    // The victim's process is gone, its pod's replacement has its own.
    expect(victimPid && readIdentity(Number(victimPid))).toBeFalsy();
    expect(r.ids()).toEqual([replacement, survivor].sort());
    expect(replacementUrl).not.toBe(victimUrl);
    expect(await served(replacementUrl)).toBeGreaterThan(2);
    // No request failed or fell back, through the kill and the replacement.
    const bad = result.records.filter((x) => x.status !== 200 || x.servedBy !== 'primary');
    expect(bad.map((x) => `${x.status} ${x.servedBy} ${x.error}`)).toEqual([]);
    expect(result.records.length).toBeGreaterThan(100);
  }, 180_000);
});
