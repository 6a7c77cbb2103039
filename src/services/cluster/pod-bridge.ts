import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { isTerminating, type PodWatch, watchPods } from '../../adapters/kubernetes/pod-informer.ts';
import { freePort } from '../../adapters/process/ports.ts';
import { stopVerified } from '../../adapters/process/supervisor.ts';
import { startTriton, stopTriton } from '../../adapters/process/triton-server.ts';
import { type BridgePod, planBridge } from '../../core/cluster/bridge-plan.ts';

/**
 * Pods that are processes. kwok's pods are objects only; the bridge plays the kubelet's part
 * for one Deployment: every pod bound to a node gets a local process (a real `tritonserver`
 * on free loopback ports), a pod deleted or terminating has its process stopped, and a
 * replacement pod gets a new one. Once a process serves, its address is written on the pod
 * (annotation ENDPOINT_ANNOTATION): how the gateway's pod watch finds it, since
 * EndpointSlices refuse loopback addresses.
 */
export const ENDPOINT_ANNOTATION = 'steadystate.dev/local-endpoint';

export interface BridgedProcess {
  url: string;
  pid: number;
  /** The kubelet's stop on pod deletion: SIGTERM, grace, SIGKILL. */
  stop(): Promise<void>;
  /** The machine dying under it: SIGKILL now, no grace. */
  kill(): Promise<void>;
}

export type ProcessLauncher = (pod: BridgePod) => Promise<BridgedProcess>;

export interface BridgeEvent {
  at: number;
  pod: string;
  kind: 'started' | 'stopped' | 'failed';
  detail: string;
}

export interface PodBridge {
  /** pod name -> process URL, for the processes serving now. */
  serving(): Map<string, string>;
  readonly events: BridgeEvent[];
  /**
   * A node lost: the processes of the pods bound to `nodeName` die at once (SIGKILL), while
   * their pods stay in the API until the control plane notices. Returns the pods hit.
   */
  crashNode(nodeName: string): Promise<string[]>;
  /** Resolves once the bridge has nothing left to do (tests). */
  settled(): Promise<void>;
  /** Stops the watch and every process it started. */
  stop(): Promise<void>;
}

/** A real Triton per pod (CPU, the local model repository), ready = every model answered a test prediction. */
export function tritonLauncher(options: { modelRepository?: string; readyTimeoutMs?: number } = {}): ProcessLauncher {
  return async () => {
    const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
    const instance = await startTriton({
      ports,
      ...(options.modelRepository ? { modelRepository: options.modelRepository } : {}),
      readyTimeoutMs: options.readyTimeoutMs ?? 150_000,
    });
    // The kubelet's SIGTERM on pod deletion; Triton finishes in-flight requests first.
    return {
      url: instance.url,
      pid: instance.pid,
      stop: () => stopTriton(instance, 5_000),
      kill: async () => {
        await stopVerified(instance, `tritonserver :${instance.ports.http}`, { signal: 'SIGKILL', group: true });
      },
    };
  };
}

/** The container's preStop sleep: the kubelet waits it out before SIGTERM, so endpoints drop first. */
const preStopSeconds = (pod: V1Pod): number =>
  Math.max(0, ...(pod.spec?.containers ?? []).map((c) => Number(c.lifecycle?.preStop?.sleep?.seconds ?? 0)));

const bridgePod = (pod: V1Pod): BridgePod => ({
  uid: pod.metadata?.uid ?? '',
  name: pod.metadata?.name ?? '',
  ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
  terminating: isTerminating(pod),
});

export async function startPodBridge(options: {
  kubeConfig: KubeConfig;
  namespace: string;
  labelSelector: string;
  launch: ProcessLauncher;
}): Promise<PodBridge> {
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const events: BridgeEvent[] = [];
  const note = (pod: string, kind: BridgeEvent['kind'], detail: string) =>
    events.push({ at: Date.now(), pod, kind, detail });
  /** uid -> process (undefined while starting). */
  const running = new Map<
    string,
    { pod: string; node?: string; preStopMs?: number; process?: BridgedProcess; stopping?: boolean }
  >();
  const preStops = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  let current: BridgePod[] = [];
  let stopped = false;
  const track = (task: Promise<void>) => {
    pending.add(task);
    void task.finally(() => pending.delete(task));
  };
  const stillWanted = (uid: string) => current.some((p) => p.uid === uid && p.nodeName && !p.terminating);

  const stopProcess = (uid: string) => {
    const entry = running.get(uid);
    if (!entry || entry.stopping) return;
    entry.stopping = true;
    if (!entry.process) return; // still starting: stopped as soon as it is up
    const { process } = entry;
    track(
      sleep(entry.preStopMs ?? 0)
        .then(() => process.stop())
        .then(
          () => {
            running.delete(uid);
            note(entry.pod, 'stopped', `process ${process.pid} (${process.url}) stopped: its pod is gone`);
          },
          (error: Error) => {
            running.delete(uid);
            note(entry.pod, 'failed', `stopping process ${process.pid}: ${error.message}`);
          },
        ),
    );
  };

  const startProcess = (pod: BridgePod) => {
    const entry: { pod: string; node?: string; preStopMs?: number; process?: BridgedProcess; stopping?: boolean } = {
      pod: pod.name,
      preStopMs: (preStops.get(pod.uid) ?? 0) * 1000,
      ...(pod.nodeName ? { node: pod.nodeName } : {}),
    };
    running.set(pod.uid, entry);
    track(
      (async () => {
        let process: BridgedProcess;
        try {
          process = await options.launch(pod);
        } catch (error) {
          running.delete(pod.uid);
          note(pod.name, 'failed', `process did not start: ${(error as Error).message}`);
          return;
        }
        entry.process = process;
        if (stopped || entry.stopping || !stillWanted(pod.uid)) {
          entry.stopping = false;
          stopProcess(pod.uid);
          return;
        }
        note(pod.name, 'started', `process ${process.pid} serving on ${process.url}`);
        await core
          .patchNamespacedPod(
            {
              name: pod.name,
              namespace: options.namespace,
              body: { metadata: { annotations: { [ENDPOINT_ANNOTATION]: process.url } } },
            },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          )
          .catch((error: Error) => note(pod.name, 'failed', `could not annotate the pod: ${error.message}`));
      })(),
    );
  };

  const reconcile = (pods: V1Pod[]) => {
    current = pods.map(bridgePod);
    for (const pod of pods) preStops.set(pod.metadata?.uid ?? '', preStopSeconds(pod));
    if (stopped) return;
    const plan = planBridge(current, new Set(running.keys()));
    for (const uid of plan.stop) stopProcess(uid);
    for (const pod of plan.start) startProcess(pod);
  };
  const watch: PodWatch = await watchPods(options.kubeConfig, options.namespace, options.labelSelector, reconcile);

  return {
    events,
    serving: () =>
      new Map(
        [...running.values()]
          .filter((e) => e.process && !e.stopping)
          .map((e) => [e.pod, (e.process as BridgedProcess).url]),
      ),
    async crashNode(nodeName) {
      const hit = [...running.values()].filter((e) => e.node === nodeName && e.process);
      await Promise.all(hit.map((e) => (e.process as BridgedProcess).kill()));
      for (const e of hit) note(e.pod, 'stopped', `process ${e.process?.pid} killed: node ${nodeName} lost`);
      return hit.map((e) => e.pod);
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async stop() {
      stopped = true;
      await watch.stop();
      for (const uid of [...running.keys()]) stopProcess(uid);
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
