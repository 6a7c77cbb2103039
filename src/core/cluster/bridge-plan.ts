/**
 * Which local processes should run for the pods of a Deployment, as a kubelet decides for
 * its containers: a pod bound to a node and not being deleted has a process; a process whose
 * pod is gone or terminating is stopped. Pure: the bridge (services/cluster/pod-bridge.ts)
 * applies the plan.
 */
export interface BridgePod {
  uid: string;
  name: string;
  nodeName?: string;
  terminating: boolean;
}

export interface BridgePlan {
  start: BridgePod[];
  /** uids of processes to stop. */
  stop: string[];
}

export function planBridge(pods: readonly BridgePod[], running: ReadonlySet<string>): BridgePlan {
  const wanted = pods.filter((p) => p.nodeName && !p.terminating);
  const wantedUids = new Set(wanted.map((p) => p.uid));
  return {
    start: wanted.filter((p) => !running.has(p.uid)),
    stop: [...running].filter((uid) => !wantedUids.has(uid)).sort(),
  };
}
