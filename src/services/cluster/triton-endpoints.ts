import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { isPodReady, isTerminating, type PodWatch, watchPods } from '../../adapters/kubernetes/pod-informer.ts';
import type { TritonReplica, TritonReplicas } from '../../gateway/upstream/triton-replicas.ts';
import { ENDPOINT_ANNOTATION } from './pod-bridge.ts';

/**
 * The gateway's service discovery in the local cluster: a watch on the Triton pods; a pod is
 * a replica to call while it is Ready, not terminating, and its process's address is on it
 * (the bridge writes it). This is what a Service's EndpointSlice does in a real cluster,
 * where the pod IP is the address.
 */
export function servingReplicas(pods: readonly V1Pod[]): TritonReplica[] {
  return pods
    .filter((p) => isPodReady(p) && !isTerminating(p) && p.metadata?.annotations?.[ENDPOINT_ANNOTATION])
    .map((p) => ({ id: p.metadata?.name ?? '', url: p.metadata?.annotations?.[ENDPOINT_ANNOTATION] ?? '' }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function watchTritonEndpoints(
  config: KubeConfig,
  namespace: string,
  labelSelector: string,
  replicas: TritonReplicas,
): Promise<PodWatch> {
  return watchPods(config, namespace, labelSelector, (pods) => replicas.set(servingReplicas(pods)));
}
