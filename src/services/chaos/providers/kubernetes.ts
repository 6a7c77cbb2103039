import type { PodsApi } from '../../../adapters/chaos/kubernetes-pods.ts';
import { type PodSelection, type PodView, refuseNamespace, selectPods } from '../../../core/chaos/pod-selection.ts';
import type { PodDeleteAction } from '../../../core/spec/kinds/chaos/actions.ts';
import type { BlastRadius } from '../../../core/spec/kinds/chaos/blast-radius.ts';
import type { ChaosTargetSpec } from '../../../core/spec/kinds/chaos-target.ts';
import { parseDuration } from '../../../core/spec/kinds/common.ts';
import { provider } from './provider.ts';

/** pod-delete through the Kubernetes API: the pods' ReplicaSet replaces them (the action heals on its own). */
export function kubernetesProvider(pods: PodsApi | undefined) {
  return provider<'pod-delete'>({
    backend: 'Kubernetes API',
    types: ['pod-delete'],
    async preflight(action, ctx) {
      if (!pods) return 'needs a Kubernetes API (--kubeconfig, or run in a pod with a service account)';
      const selection = await selectForDeletion(pods, action, ctx.target, ctx.limits).catch((error: Error) => ({
        kind: 'refused' as const,
        why: `cannot list pods: ${error.message}`,
      }));
      return selection.kind === 'refused' ? selection.why : undefined;
    },
    act(action, ctx) {
      if (!pods) return Promise.reject(new Error('no Kubernetes API'));
      return deletePodsAndWait(pods, action, ctx.target, ctx.limits, ctx.signal);
    },
  });
}

/**
 * pod-delete on the Kubernetes target: the guards first (namespace allow-list before any
 * API call, then opt-in annotation and blast radius on the listed pods), then the deletes,
 * then a watch until as many pods are Ready as before, which is the recovery time the
 * playbook states ("GPU server crash: < 2 min").
 */
export async function selectForDeletion(
  api: PodsApi,
  action: PodDeleteAction,
  target: ChaosTargetSpec,
  limits: BlastRadius,
): Promise<PodSelection> {
  const refused = refuseNamespace(action.namespace, target.cluster.namespaces);
  if (refused) return { kind: 'refused', why: refused };
  const { pods } = await api.list(action.namespace, action.labelSelector);
  return selectPods({
    action,
    pods,
    allowedNamespaces: target.cluster.namespaces,
    optInAnnotation: target.cluster.optInAnnotation,
    limits,
  });
}

export async function deletePodsAndWait(
  api: PodsApi,
  action: PodDeleteAction,
  target: ChaosTargetSpec,
  limits: BlastRadius,
  signal: AbortSignal,
): Promise<{ detail: string; measuredSeconds?: number }> {
  // Selected again at the moment of acting: pods may have changed since the preflight.
  const selection = await selectForDeletion(api, action, target, limits);
  if (selection.kind === 'refused') throw new Error(`refused: ${selection.why}`);
  const before = await api.list(action.namespace, action.labelSelector);
  const readyBefore = before.pods.filter((p) => p.ready && !p.terminating).length;
  const deleted = new Set(selection.pods.map((p) => p.uid));
  for (const pod of selection.pods) await api.delete(action.namespace, pod.name, action.gracePeriodSeconds);
  const started = performance.now();
  const names = selection.pods.map((p) => p.name).join(', ');
  const detail = `deleted ${selection.pods.length} of ${selection.eligible} eligible pods (${names}) in ${action.namespace}`;
  if (!action.waitReady) return { detail };

  const timeoutMs = parseDuration(action.readyTimeout) * 1000;
  const state = new Map<string, PodView>(before.pods.map((p) => [p.name, p]));
  const recovered = () =>
    [...state.values()].filter((p) => p.ready && !p.terminating && !deleted.has(p.uid)).length >= readyBefore;
  let resourceVersion = before.resourceVersion;
  while (!recovered()) {
    const left = timeoutMs - (performance.now() - started);
    if (left <= 0 || signal.aborted) {
      throw new Error(
        `${detail}; only ${[...state.values()].filter((p) => p.ready && !p.terminating && !deleted.has(p.uid)).length} of ${readyBefore} pods Ready after ${action.readyTimeout}`,
      );
    }
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), left);
    const onOuter = () => stop.abort();
    signal.addEventListener('abort', onOuter, { once: true });
    try {
      await api.watch(
        action.namespace,
        action.labelSelector,
        resourceVersion,
        (type, pod) => {
          if (type === 'DELETED') state.delete(pod.name);
          else if (type === 'ADDED' || type === 'MODIFIED') state.set(pod.name, pod);
          if (recovered()) stop.abort();
        },
        stop.signal,
      );
    } catch {
      // The watch broke (expired resourceVersion, network): list again and watch from there.
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onOuter);
    }
    if (!recovered()) {
      const relisted = await api.list(action.namespace, action.labelSelector);
      state.clear();
      for (const p of relisted.pods) state.set(p.name, p);
      resourceVersion = relisted.resourceVersion;
    }
  }
  const measuredSeconds = (performance.now() - started) / 1000;
  return {
    detail: `${detail}; ${readyBefore} pods Ready again after ${measuredSeconds.toFixed(2)} s`,
    measuredSeconds,
  };
}
