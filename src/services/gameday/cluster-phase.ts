import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { paths } from '../../adapters/process/paths.ts';
import {
  type AvailabilityHypothesis,
  availabilityHypothesis,
  judgeAnswers,
} from '../../core/cluster/availability-hypothesis.ts';
import type { LoadRequest } from '../../core/load/payload-mix.ts';
import type { ExperimentOutcome, FaultWindow } from '../../core/report/types.ts';
import { defaultFeatureRecord, featureSchemaFile } from '../../core/spec/feature-schema.ts';
import { chaosTargetSpec } from '../../core/spec/kinds/chaos-target.ts';
import type { SloDocument } from '../../core/spec/kinds/slo.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import { deletePodsAndWait } from '../chaos/providers/kubernetes.ts';
import { silenceNode } from '../cluster/fake-nodes.ts';
import { type ServingCluster, startServingCluster, TRITON_SELECTOR } from '../cluster/serving-cluster.ts';
import { OpenLoad } from '../load/open-load.ts';

/**
 * The playbook's "GPU server crash" in a cluster, on the local control plane: two Triton pods
 * (each a real local tritonserver through the pod bridge) behind a gateway that discovers them
 * by pod watch, under open-model load of their own.
 * - gpu-pod-kill: the chaos driver deletes one pod as the chaos ServiceAccount.
 * - gpu-node-lost: the machine of one pod dies: its Triton process is SIGKILLed and its
 *   kubelet (kwok) stops renewing the node's Lease. The gateway fails over at once; the node
 *   lifecycle controller turns the node NotReady after its grace period and marks its pods not
 *   Ready (detection), the unreachable taint evicts the pod after the Deployment's
 *   tolerationSeconds, and the ReplicaSet's replacement lands on the spare GPU node.
 * Each holds when the answers stay within the model's availability SLO (its good tiers, under
 * its page threshold: `core/cluster/availability-hypothesis.ts`) and a replacement serves
 * within 2 min. Detection: fault start to discovery dropping the replica (the platform noticed).
 */
const RECOVERY_TARGET_S = 120;

interface Measured {
  detectionSeconds: number | null;
  recoverySeconds: number | null;
  bad: number;
  total: number;
  held: boolean;
  note: string;
}

export async function clusterPhase(opts: {
  stack: StackSpec;
  /** The spec's SLOs: the model's availability SLO judges the answers. */
  slos: readonly SloDocument[];
  log: (line: string) => void;
  /** Model load time of a GPU pod (kwok Stage); default 5 s. */
  modelLoadMs?: number;
  rate?: number;
}): Promise<{ outcomes: ExperimentOutcome[]; windows: FaultWindow[] }> {
  const outcomes: ExperimentOutcome[] = [];
  const windows: FaultWindow[] = [];
  const model = opts.stack.models[0]?.name ?? '';
  const hypothesis = availabilityHypothesis(opts.slos, model);
  // One request source for both experiments: a second experiment that replayed the first's
  // transactions would be answered from the cache exactly while its fault is fresh.
  const requests = distinctRequests();
  let serving: ServingCluster;
  try {
    serving = await startServingCluster({ stack: opts.stack, modelLoadMs: opts.modelLoadMs ?? 5_000, log: opts.log });
  } catch (error) {
    const why = `the cluster did not come up: ${(error as Error).message}`;
    opts.log(`cluster: ${why}`);
    for (const name of ['k8s-gpu-pod-kill', 'k8s-gpu-node-lost'] as const)
      outcomes.push(outcome(name, 'not_run', [why], null));
    return { outcomes, windows };
  }
  try {
    for (const [name, label, inject] of [
      ['k8s-gpu-pod-kill', 'Triton pod deleted', podKill],
      ['k8s-gpu-node-lost', 'GPU node lost', nodeLost],
    ] as const) {
      const startMs = Date.now();
      const measured = await underLoad(serving, opts.rate ?? 30, hypothesis, requests, () => inject(serving, opts.log));
      windows.push({ experiment: name, label, startMs, endMs: Date.now() });
      const held = measured.held && measured.recoverySeconds !== null && measured.recoverySeconds <= RECOVERY_TARGET_S;
      const explanation = [
        measured.note,
        `${measured.bad} of ${measured.total} answers bad for ${hypothesis.slo} (good: ${hypothesis.goodServedBy.join(', ')}; ` +
          `${((100 * measured.bad) / Math.max(1, measured.total)).toFixed(2)}% against its page threshold ${(100 * hypothesis.maxBadRatio).toFixed(2)}%)`,
        measured.recoverySeconds === null
          ? `no replacement serving within ${RECOVERY_TARGET_S} s`
          : `replacement serving after ${measured.recoverySeconds.toFixed(1)} s (target ${RECOVERY_TARGET_S} s)`,
      ];
      opts.log(`cluster: ${name} ${held ? 'held' : 'deviated'}: ${explanation.join('; ')}`);
      for (const e of serving.bridge.events.filter((x) => x.at >= startMs)) {
        opts.log(`cluster:   bridge ${((e.at - startMs) / 1000).toFixed(1)} s: ${e.pod} ${e.kind}: ${e.detail}`);
      }
      outcomes.push(outcome(name, held ? 'held' : 'deviated', explanation, measured));
    }
  } catch (error) {
    opts.log(`cluster: phase failed: ${(error as Error).message}`);
    outcomes.push(outcome('k8s-gpu-pod-kill', 'failed', [(error as Error).message], null));
  } finally {
    await serving.stop();
  }
  return { outcomes, windows };
}

async function underLoad(
  serving: ServingCluster,
  rate: number,
  hypothesis: AvailabilityHypothesis,
  next: () => LoadRequest,
  inject: () => Promise<Omit<Measured, 'bad' | 'total' | 'held'>>,
): Promise<Measured> {
  const load = new OpenLoad({
    url: serving.gateway.url,
    ratePerSecond: rate,
    next,
    timeoutMs: 5_000,
  }).start();
  await sleep(3_000);
  let measured: Omit<Measured, 'bad' | 'total' | 'held'>;
  try {
    measured = await inject();
    await sleep(3_000);
  } catch (error) {
    await load.stop(5_000);
    throw error;
  }
  const result = await load.stop(5_000);
  // Judged by the SLO's good tiers; the answers not from the primary are listed too, since
  // "traffic shifts to healthy servers" means mostly primary answers.
  const judged = judgeAnswers(result.records, hypothesis);
  const breakdown = Object.entries(judged.notPrimary)
    .map(([k, n]) => `${n}x ${k}`)
    .join(', ');
  return {
    ...measured,
    note: breakdown ? `${measured.note}; answers not from the primary: ${breakdown}` : measured.note,
    bad: judged.bad,
    total: judged.total,
    held: judged.held,
  };
}

async function podKill(serving: ServingCluster, log: (line: string) => void) {
  const before = serving.replicas.ids();
  const startMs = Date.now();
  const detected = watchFor(serving, () => before.some((id) => !serving.replicas.ids().includes(id)));
  const result = await deletePodsAndWait(
    serving.chaosPods,
    {
      type: 'pod-delete',
      namespace: serving.namespace,
      labelSelector: TRITON_SELECTOR,
      mode: 'one',
      seed: Date.now() % 1000,
      waitReady: true,
      readyTimeout: '2m',
    },
    chaosTargetSpec.parse({ cluster: { namespaces: [serving.namespace] } }),
    chaosTargetSpec.shape.blastRadius.parse({ maxPods: 1, maxPodPercent: 50, keepReady: 1 }),
    AbortSignal.timeout(150_000),
  );
  log(`cluster: ${result.detail}`);
  const recovered = await watchFor(serving, () => serving.replicas.ids().length === 2 && newReplica(before, serving));
  return {
    detectionSeconds: seconds(startMs, await detected),
    recoverySeconds: seconds(startMs, recovered),
    note: result.detail,
  };
}

async function nodeLost(serving: ServingCluster, log: (line: string) => void) {
  const core = serving.cluster.kubeConfig.makeApiClient(CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace: serving.namespace, labelSelector: TRITON_SELECTOR });
  const node = pods.items.find((p) => p.spec?.nodeName && !p.metadata?.deletionTimestamp)?.spec?.nodeName;
  if (!node) throw new Error('no Triton pod is bound to a node');
  const before = serving.replicas.ids();
  const startMs = Date.now();
  const hit = await serving.bridge.crashNode(node);
  await silenceNode(serving.cluster.kubeConfig, node);
  log(`cluster: node ${node} lost (processes of ${hit.join(', ')} killed, its kubelet silent)`);
  const notReady = watchNode(serving, node);
  // Detected once discovery dropped every replica the node was serving (a pod still in its
  // preStop after the pod kill may be on the node too; it was no replica any more).
  const replicasHit = hit.filter((pod) => before.includes(pod));
  const detected = await watchFor(serving, () => replicasHit.every((pod) => !serving.replicas.ids().includes(pod)));
  const recovered = await watchFor(serving, () => serving.replicas.ids().length === 2 && newReplica(before, serving));
  const nodeNotReadyMs = await notReady;
  return {
    detectionSeconds: seconds(startMs, detected),
    recoverySeconds: seconds(startMs, recovered),
    note: `node ${node} lost with ${hit.join(', ')}; node NotReady after ${seconds(startMs, nodeNotReadyMs)?.toFixed(1) ?? '-'} s`,
  };
}

/** Epoch ms when the node's Ready condition first stopped being True (polled), or null. */
async function watchNode(serving: ServingCluster, node: string): Promise<number | null> {
  const core = serving.cluster.kubeConfig.makeApiClient(CoreV1Api);
  const deadline = Date.now() + (RECOVERY_TARGET_S + 30) * 1000;
  while (Date.now() < deadline) {
    const got = await core.readNode({ name: node }).catch(() => undefined);
    const ready = got?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    if (got === undefined || ready !== 'True') return Date.now();
    await sleep(250);
  }
  return null;
}

const newReplica = (before: string[], serving: ServingCluster) =>
  serving.replicas.ids().some((id) => !before.includes(id));

/** Epoch ms when `done` first held (polled), or null after the recovery target and a margin. */
async function watchFor(_serving: ServingCluster, done: () => boolean): Promise<number | null> {
  const deadline = Date.now() + (RECOVERY_TARGET_S + 30) * 1000;
  while (Date.now() < deadline) {
    if (done()) return Date.now();
    await sleep(100);
  }
  return null;
}

const seconds = (startMs: number, atMs: number | null) => (atMs === null ? null : (atMs - startMs) / 1000);

/**
 * Distinct transactions (the schema's defaults with the amount and hour varied, a new user
 * each), so the cache cannot hide a Triton failure.
 */
function distinctRequests(): () => LoadRequest {
  const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
  const base = defaultFeatureRecord(schema);
  let i = 0;
  return () => {
    const n = i++;
    return {
      userId: `k8s-${n}`,
      // Distinct (amount, hour) pairs for 120 000 requests, amounts within 10-1860.
      features: { ...base, amount: 10 + (n % 5000) * 0.37, hour: Math.floor(n / 5000) % 24 },
      kind: 'fresh',
      fraudLike: false,
    };
  };
}

function outcome(
  name: 'k8s-gpu-pod-kill' | 'k8s-gpu-node-lost',
  verdict: ExperimentOutcome['verdict'],
  explanation: string[],
  measured: Measured | null,
): ExperimentOutcome {
  const pod = name === 'k8s-gpu-pod-kill';
  return {
    name,
    title: pod
      ? 'GPU server crash in the cluster: one of two Triton pods deleted'
      : 'GPU node lost in the cluster: a node and its Triton pod gone',
    hypothesis: pod
      ? 'answers stay within the availability SLO (good tiers, under its page threshold); the gateway stops routing to the deleted pod; its replacement serves within 2 min'
      : 'answers stay within the availability SLO (good tiers, under its page threshold); the node turns NotReady, its pod is evicted and rescheduled onto another GPU node and serves within 2 min',
    verdict,
    explanation,
    detectionSeconds: measured?.detectionSeconds ?? null,
    detectionTargetSeconds: null,
    recoverySeconds: measured?.recoverySeconds ?? null,
    recoveryTargetSeconds: RECOVERY_TARGET_S,
    pagesExpected: [],
    pagesReceived: [],
  };
}
