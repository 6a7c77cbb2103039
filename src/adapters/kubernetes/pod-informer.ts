import { CoreV1Api, type KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';

/**
 * The current pods matching a label selector, kept by a list + watch (client-node's
 * informer), handed to `onChange` as a whole after every event: callers decide from the full
 * picture (which pods should have a process, which replicas serve), never from one event.
 * A broken watch (API server restart, expired resourceVersion) is restarted after a second.
 */
export interface PodWatch {
  pods(): V1Pod[];
  stop(): Promise<void>;
}

export async function watchPods(
  config: KubeConfig,
  namespace: string,
  labelSelector: string,
  onChange: (pods: V1Pod[]) => void,
): Promise<PodWatch> {
  const core = config.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1Pod>(
    config,
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    () => core.listNamespacedPod({ namespace, labelSelector }),
    labelSelector,
  );
  let stopped = false;
  let restart: NodeJS.Timeout | undefined;
  const changed = () => {
    if (!stopped) onChange([...informer.list(namespace)]);
  };
  for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, changed);
  informer.on('error', () => {
    if (stopped) return;
    restart = setTimeout(() => {
      if (!stopped) informer.start().then(changed, () => undefined);
    }, 1_000);
  });
  await informer.start();
  changed();
  return {
    pods: () => [...informer.list(namespace)],
    async stop() {
      stopped = true;
      clearTimeout(restart);
      await informer.stop();
    },
  };
}

export const isPodReady = (pod: V1Pod): boolean =>
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export const isTerminating = (pod: V1Pod): boolean =>
  pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionTimestamp !== null;
