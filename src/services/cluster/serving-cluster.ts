import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesPodsApi } from '../../adapters/chaos/kubernetes-pods.ts';
import { applyObjects, manifestObjects } from '../../adapters/kubernetes/apply.ts';
import type { PodWatch } from '../../adapters/kubernetes/pod-informer.ts';
import { serviceAccountKubeConfig } from '../../adapters/kubernetes/service-account.ts';
import { paths } from '../../adapters/process/paths.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import { type RunningGateway, startGateway } from '../../gateway/start.ts';
import { TritonReplicas } from '../../gateway/upstream/triton-replicas.ts';
import { type LocalCluster, startLocalCluster } from './cluster.ts';
import { type PodBridge, startPodBridge, tritonLauncher } from './pod-bridge.ts';
import { watchTritonEndpoints } from './triton-endpoints.ts';

/**
 * The serving stack on the local cluster, as the GPU experiments need it: the control plane
 * with kwok GPU nodes, the generated namespace, chaos RBAC and Triton Deployment applied, each
 * Triton pod bridged to a local tritonserver, and a gateway (in this process) that finds the
 * replicas through a pod watch. `chaosPods` acts as the generated chaos ServiceAccount.
 */
export const TRITON_SELECTOR = 'app.kubernetes.io/name=triton,app.kubernetes.io/instance=fraud-serving';

export interface ServingCluster {
  cluster: LocalCluster;
  namespace: string;
  bridge: PodBridge;
  replicas: TritonReplicas;
  gateway: RunningGateway;
  chaosPods: KubernetesPodsApi;
  stop(): Promise<void>;
}

export async function startServingCluster(options: {
  stack: StackSpec;
  modelLoadMs: number;
  log: (line: string) => void;
  /** The gateway's admin token (default: random); a scheduled chaos run gets it from a Secret. */
  adminToken?: string;
}): Promise<ServingCluster> {
  const root = paths.root();
  const namespace = options.stack.kubernetes.namespace;
  const cluster = await startLocalCluster({
    dir: mkdtempSync(join(tmpdir(), 'steadystate-cluster-')),
    modelLoadMs: options.modelLoadMs,
  });
  options.log(
    `cluster: control plane and ${cluster.state.processes.length} processes up in ${cluster.upSeconds.toFixed(1)} s`,
  );
  const stops: (() => Promise<unknown>)[] = [() => cluster.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const manifest = (folder: string, name: string) =>
      manifestObjects(readFileSync(join(root, folder, 'k8s', name), 'utf8'));
    await applyObjects(cluster.kubeConfig, [
      ...manifest('serving', 'namespace.yaml'),
      ...manifest('chaos', 'rbac.yaml'),
      ...manifest('serving', 'triton.yaml').filter((o) => o.kind === 'Deployment'),
    ]);
    const bridge = await startPodBridge({
      kubeConfig: cluster.kubeConfig,
      namespace,
      labelSelector: TRITON_SELECTOR,
      launch: tritonLauncher(),
    });
    stops.push(() => bridge.stop());
    const replicas = new TritonReplicas();
    stops.push(() => replicas.close());
    const endpoints: PodWatch = await watchTritonEndpoints(cluster.kubeConfig, namespace, TRITON_SELECTOR, replicas);
    stops.push(() => endpoints.stop());
    const deadline = Date.now() + 180_000;
    while (replicas.ids().length < 2) {
      if (Date.now() > deadline) throw new Error(`only ${replicas.ids().length} of 2 Triton pods serving after 180 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    options.log(`cluster: Triton pods ${replicas.ids().join(', ')} serving as local processes`);
    const gateway = await startGateway({
      stack: options.stack,
      root,
      port: 0,
      adminToken: options.adminToken ?? randomBytes(16).toString('hex'),
      logger: false,
      tritonReplicas: replicas,
    });
    stops.push(() => gateway.close());
    const chaosPods = new KubernetesPodsApi(
      await serviceAccountKubeConfig(cluster.kubeConfig, { namespace, name: 'steadystate-chaos' }),
    );
    return { cluster, namespace, bridge, replicas, gateway, chaosPods, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
