import { CoreV1Api, KubeConfig, type V1Pod, Watch } from '@kubernetes/client-node';
import type { PodView } from '../../core/chaos/pod-selection.ts';

/**
 * The three pod operations chaos needs (list by label selector, delete, watch), as a port,
 * and its implementation over @kubernetes/client-node. The scheduled job's Role grants
 * exactly these verbs (plus get) on pods in the target namespace.
 */
export type PodEvent = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface PodsApi {
  list(namespace: string, labelSelector: string): Promise<{ pods: PodView[]; resourceVersion: string }>;
  delete(namespace: string, name: string, gracePeriodSeconds?: number): Promise<void>;
  /** Streams events after `resourceVersion` until `signal` aborts or the server ends the watch. */
  watch(
    namespace: string,
    labelSelector: string,
    resourceVersion: string,
    onEvent: (type: PodEvent, pod: PodView) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

export function podView(pod: V1Pod): PodView {
  const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return {
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    annotations: pod.metadata?.annotations ?? {},
    ready,
    terminating: pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionTimestamp !== null,
  };
}

/** Where a pod finds its ServiceAccount's token, CA and namespace (relative to its root). */
export const SERVICEACCOUNT_DIR = 'var/run/secrets/kubernetes.io/serviceaccount';
/**
 * Set by the local job-pod bridge (`services/cluster/job-pods.ts`): the folder that stands for
 * the pod's filesystem root, since a local process has no mount namespace in which the token
 * could be at /var/run/secrets. Unset in a real pod, where the root is `/`.
 */
export const POD_ROOT_ENV = 'STEADYSTATE_POD_ROOT';

/**
 * Kube config: an explicit file, else the default chain (KUBECONFIG, ~/.kube/config, the
 * in-cluster service account: KUBERNETES_SERVICE_HOST/PORT and the token under the pod's root).
 */
export function loadKubeConfig(file?: string, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  const podRoot = env[POD_ROOT_ENV];
  if (file) kc.loadFromFile(file);
  else if (podRoot && !env.KUBECONFIG && env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster(podRoot.replace(/\/+$/, ''));
  } else kc.loadFromDefault();
  return kc;
}

export class KubernetesPodsApi implements PodsApi {
  private readonly core: CoreV1Api;
  private readonly watcher: Watch;

  constructor(config: KubeConfig) {
    this.core = config.makeApiClient(CoreV1Api);
    this.watcher = new Watch(config);
  }

  async list(namespace: string, labelSelector: string) {
    const list = await this.core.listNamespacedPod({ namespace, labelSelector });
    return { pods: list.items.map(podView), resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  async delete(namespace: string, name: string, gracePeriodSeconds?: number): Promise<void> {
    await this.core.deleteNamespacedPod({
      namespace,
      name,
      ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
    });
  }

  watch(
    namespace: string,
    labelSelector: string,
    resourceVersion: string,
    onEvent: (type: PodEvent, pod: PodView) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let controller: AbortController | undefined;
      // Resolve at once on abort, even before the server sent its headers (the request is
      // then closed as soon as client-node hands over its controller).
      const onAbort = () => {
        controller?.abort();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.watcher
        .watch(
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
          { labelSelector, resourceVersion, allowWatchBookmarks: true },
          (type, object) => onEvent(type as PodEvent, podView(object as V1Pod)),
          (error) => {
            signal.removeEventListener('abort', onAbort);
            if (error && !signal.aborted && (error as Error).name !== 'AbortError') reject(error as Error);
            else resolve();
          },
        )
        .then((c) => {
          controller = c;
          if (signal.aborted) c.abort();
        }, reject);
    });
  }
}
