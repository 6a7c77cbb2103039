import { mulberry32 } from '../random/mulberry32.ts';
import type { PodDeleteAction } from '../spec/kinds/chaos/actions.ts';
import type { BlastRadius } from '../spec/kinds/chaos/blast-radius.ts';

/**
 * Which pods a pod-delete may take, decided before any delete is sent. A pod is eligible
 * when it is Ready, not already terminating, and opted in by annotation; the namespace must
 * be allow-listed; the count follows the mode and must fit the blast radius, leaving
 * `keepReady` pods Ready. The choice is a seeded shuffle, so a run is repeatable.
 */
export interface PodView {
  name: string;
  uid: string;
  annotations: Record<string, string>;
  ready: boolean;
  terminating: boolean;
}

export type PodSelection =
  | { kind: 'selected'; pods: PodView[]; eligible: number; matched: number }
  | { kind: 'refused'; why: string };

export function selectPods(input: {
  action: PodDeleteAction;
  pods: readonly PodView[];
  allowedNamespaces: readonly string[];
  optInAnnotation: string;
  limits: BlastRadius;
}): PodSelection {
  const { action, pods, limits } = input;
  const refused = refuseNamespace(action.namespace, input.allowedNamespaces);
  if (refused) return { kind: 'refused', why: refused };
  const ready = pods.filter((p) => p.ready && !p.terminating);
  const eligible = ready.filter((p) => p.annotations[input.optInAnnotation] === 'true');
  if (eligible.length === 0) {
    return {
      kind: 'refused',
      why: `no pod matching "${action.labelSelector}" in ${action.namespace} is Ready and opted in (${pods.length} matched, ${ready.length} Ready; opt in with the annotation ${input.optInAnnotation}: "true")`,
    };
  }
  const count =
    action.mode === 'one'
      ? 1
      : action.mode === 'fixed'
        ? (action.value as number)
        : Math.max(1, Math.floor((eligible.length * (action.value as number)) / 100));
  if (count > limits.maxPods) {
    return {
      kind: 'refused',
      why: `mode ${action.mode} would delete ${count} pods, above blastRadius.maxPods ${limits.maxPods}`,
    };
  }
  if ((count / eligible.length) * 100 > limits.maxPodPercent + 1e-9) {
    return {
      kind: 'refused',
      why: `deleting ${count} of ${eligible.length} eligible pods is ${((count / eligible.length) * 100).toFixed(0)}%, above blastRadius.maxPodPercent ${limits.maxPodPercent}%`,
    };
  }
  if (count > eligible.length) {
    return { kind: 'refused', why: `mode ${action.mode} wants ${count} pods but only ${eligible.length} are eligible` };
  }
  if (ready.length - count < limits.keepReady) {
    return {
      kind: 'refused',
      why: `deleting ${count} of ${ready.length} Ready pods would leave ${ready.length - count}, below blastRadius.keepReady ${limits.keepReady}`,
    };
  }
  const order = seededShuffle(
    [...eligible].sort((a, b) => a.name.localeCompare(b.name)),
    action.seed,
  );
  return { kind: 'selected', pods: order.slice(0, count), eligible: eligible.length, matched: pods.length };
}

export function refuseNamespace(namespace: string, allowed: readonly string[]): string | undefined {
  return allowed.includes(namespace)
    ? undefined
    : `namespace ${namespace} is not in ChaosTarget spec.cluster.namespaces (${allowed.join(', ') || 'none allowed'}); add it there to allow chaos in it`;
}

/** Fisher-Yates, seeded. */
export function seededShuffle<T>(items: T[], seed: number): T[] {
  const random = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
