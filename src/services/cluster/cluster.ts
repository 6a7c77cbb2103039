import { KubeConfig } from '@kubernetes/client-node';
import {
  type ClusterState,
  type ControlPlane,
  readClusterState,
  startControlPlane,
} from '../../adapters/process/cluster/control-plane.ts';
import { compareIdentity, readIdentity } from '../../adapters/process/identity.ts';
import { createNodes, DEFAULT_LAYOUT, layoutNodes, type NodeLayout } from './fake-nodes.ts';

/**
 * A local cluster = the control plane (adapters/process/cluster) + kwok's fake GPU and CPU
 * nodes, Ready. What `steadystate cluster up`, the tests and the game day start.
 */
export interface LocalClusterOptions {
  dir: string;
  apiserverPort?: number;
  /** How long a GPU pod takes to become Ready; default 3 s (a model load). */
  modelLoadMs?: number;
  layout?: Partial<NodeLayout>;
  detached?: boolean;
}

export interface LocalCluster extends ControlPlane {
  /** Administrator access (system:masters). */
  kubeConfig: KubeConfig;
  /** Seconds from the first process start to every node Ready. */
  upSeconds: number;
}

export class ClusterAlreadyRunning extends Error {
  override readonly name = 'ClusterAlreadyRunning';
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const running = runningCluster(options.dir);
  if (running) {
    throw new ClusterAlreadyRunning(
      `a cluster started ${running.startedAt} still runs at ${running.server} (state ${options.dir}); stop it with \`steadystate cluster down\``,
    );
  }
  const started = performance.now();
  const plane = await startControlPlane({
    dir: options.dir,
    apiserverPort: options.apiserverPort,
    modelLoadMs: options.modelLoadMs ?? 3_000,
    detached: options.detached ?? false,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(plane.state.kubeconfig);
  try {
    await createNodes(kubeConfig, layoutNodes({ ...DEFAULT_LAYOUT, ...options.layout }));
  } catch (error) {
    await plane.stop();
    throw error;
  }
  return { ...plane, kubeConfig, upSeconds: (performance.now() - started) / 1000 };
}

/** The recorded cluster when at least one of its processes still runs. */
export function runningCluster(dir: string): ClusterState | undefined {
  const state = readClusterState(dir);
  return state?.processes.some((p) => compareIdentity(p, readIdentity(p.pid)).status === 'ours') ? state : undefined;
}
