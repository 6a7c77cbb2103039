import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopVerified } from '../supervisor.ts';
import { type ClusterBinary, clusterBinaries, KUBERNETES_VERSION } from './binaries.ts';
import {
  type ComponentName,
  componentTokens,
  kubeconfigText,
  tokenAuthFile,
  writeServiceAccountKeys,
} from './credentials.ts';
import { localRunStage, modelLoadStage, stockStages } from './kwok-stages.ts';
import { httpOk, httpsOk } from './probes.ts';
import {
  ClusterStartError,
  type ComponentRecord,
  launchComponent,
  pickPorts,
  type RunningComponent,
} from './start-component.ts';

/**
 * A local Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (RBAC, static
 * tokens, service-account signing keys), kube-controller-manager, kube-scheduler and kwok
 * (a fake kubelet: nodes and pods are objects, nothing runs). Each is a process started
 * through the one supervisor on a free loopback port; the state file records every process
 * with its identity so `cluster down` (another CLI run) stops exactly what `cluster up`
 * started. Nodes are not made here (services/cluster/fake-nodes.ts).
 */

export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The annotation kwok selects the nodes it plays by (`--manage-nodes-with-annotation-selector`). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
/** Node Lease duration kwok writes (renewed every quarter of it), and the controller-manager's grace. */
export const NODE_LEASE_S = 8;
export const NODE_MONITOR_GRACE_S = 12;

export interface ControlPlaneOptions {
  /** Where data, logs, keys and kubeconfigs go; `cluster down` removes it. */
  dir: string;
  /** The API server's port; default a free one. A taken port is refused before anything starts. */
  apiserverPort?: number;
  /** How long a GPU pod takes to become Ready (kwok Stage): a model load. */
  modelLoadMs: number;
  /** Outlive this Node process (the CLI); tests leave it false so a crash leaves nothing behind. */
  detached: boolean;
  readyTimeoutMs?: number;
}

export interface ClusterState {
  version: string;
  dir: string;
  server: string;
  /** Administrator kubeconfig (system:masters): the CLI and tests. */
  kubeconfig: string;
  ports: Record<'etcd' | 'etcdPeer' | 'apiserver' | 'controllerManager' | 'scheduler' | 'kwok', number>;
  modelLoadMs: number;
  startedAt: string;
  /** In start order; stopped in reverse. */
  processes: ComponentRecord[];
}

export interface ControlPlane {
  state: ClusterState;
  /** Stops every process (reverse order) and removes the state dir. */
  stop(): Promise<void>;
}

export function stateFile(dir: string): string {
  return join(dir, 'cluster.json');
}

export function readClusterState(dir: string): ClusterState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const bin = clusterBinaries();
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const dir = options.dir;
  const ports = await pickPorts(options.apiserverPort);
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['etcd', 'pki', 'logs', 'kwok']) mkdirSync(join(dir, sub), { recursive: true });
  const pki = join(dir, 'pki');
  const tokens = componentTokens();
  writeFileSync(join(pki, 'tokens.csv'), tokenAuthFile(tokens), { mode: 0o600 });
  const sa = writeServiceAccountKeys(pki);
  const server = `https://127.0.0.1:${ports.apiserver}`;

  const started: RunningComponent[] = [];
  const state: ClusterState = {
    version: KUBERNETES_VERSION,
    dir,
    server,
    kubeconfig: join(dir, 'admin.kubeconfig'),
    ports,
    modelLoadMs: options.modelLoadMs,
    startedAt: new Date().toISOString(),
    processes: [],
  };
  const save = () => writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
  const launch = async (
    what: ClusterBinary,
    args: string[],
    probe: () => Promise<boolean>,
    where: string,
  ): Promise<void> => {
    const component = await launchComponent({
      what,
      command: bin[what],
      args,
      cwd: dir,
      logFile: join(dir, 'logs', `${what}.log`),
      detached: options.detached,
      probe,
      where,
      timeoutMs,
    });
    started.push(component);
    state.processes.push(component.record);
    save();
  };
  const stop = async () => {
    for (const component of [...started].reverse()) await component.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    save();
    const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    await launch(
      'etcd',
      [
        '--name=steadystate',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=steadystate=${peerUrl}`,
        // A throwaway cluster: losing its data on a power cut costs nothing, an fsync per write costs seconds.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      async () => {
        const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(1_000) });
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      },
      `${etcdUrl}/health`,
    );

    const certDir = join(pki, 'apiserver');
    const caFile = join(certDir, 'apiserver.crt');
    await launch(
      'kube-apiserver',
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${ports.apiserver}`,
        // No certificate given: it generates a self-signed CA and serving certificate here.
        `--cert-dir=${certDir}`,
        `--token-auth-file=${join(pki, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${sa.publicKey}`,
        `--service-account-signing-key-file=${sa.privateKey}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        // The "kubernetes" Service's endpoints would name 127.0.0.1, which EndpointSlices refuse.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
      ],
      async () => existsSync(caFile) && httpsOk(`${server}/readyz`, { ca: readFileSync(caFile) }),
      `${server}/readyz`,
    );
    const ca = readFileSync(caFile, 'utf8');
    const kubeconfigOf = (name: ComponentName) => {
      const file = join(dir, `${name}.kubeconfig`);
      writeFileSync(file, kubeconfigText(server, ca, tokens[name].token), { mode: 0o600 });
      return file;
    };
    kubeconfigOf('admin');

    await launch(
      'kube-controller-manager',
      [
        `--kubeconfig=${kubeconfigOf('controller-manager')}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.controllerManager}`,
        `--cert-dir=${join(pki, 'controller-manager')}`,
        // Each controller acts as its own service account, as in kubeadm clusters: the
        // default RBAC policy grants the controller-manager user just that.
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${sa.privateKey}`,
        `--root-ca-file=${caFile}`,
        // Node liveness as a kubelet gives it: kwok renews each managed node's Lease every
        // NODE_LEASE_S / 4 (below). A node whose Lease is not renewed for the grace period
        // turns NotReady (Unknown): its pods are marked not Ready (endpoints drop them) and it
        // gets the unreachable NoExecute taint, which evicts pods after their tolerationSeconds.
        // Shorter than Kubernetes' defaults (grace 50 s, check every 5 s) so a lost GPU node is
        // noticed in seconds here; still NODE_MONITOR_GRACE_S / (NODE_LEASE_S / 4) = 6 renewals
        // may be missed on a loaded machine before a healthy node flaps.
        `--node-monitor-grace-period=${NODE_MONITOR_GRACE_S}s`,
        '--node-monitor-period=1s',
        '--profiling=false',
      ],
      () => httpsOk(`https://127.0.0.1:${ports.controllerManager}/healthz`),
      `https://127.0.0.1:${ports.controllerManager}/healthz`,
    );
    await launch(
      'kube-scheduler',
      [
        `--kubeconfig=${kubeconfigOf('scheduler')}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.scheduler}`,
        '--profiling=false',
      ],
      () => httpsOk(`https://127.0.0.1:${ports.scheduler}/healthz`),
      `https://127.0.0.1:${ports.scheduler}/healthz`,
    );

    const stageFiles = stockStages().map((text, i) => {
      const file = join(dir, 'kwok', `stage-${i}.yaml`);
      writeFileSync(file, text);
      return file;
    });
    const modelLoad = join(dir, 'kwok', 'stage-gpu-model-load.yaml');
    writeFileSync(modelLoad, modelLoadStage(options.modelLoadMs));
    const localRun = join(dir, 'kwok', 'stage-chaos-runs-locally.yaml');
    writeFileSync(localRun, localRunStage());
    await launch(
      'kwok',
      [
        `--kubeconfig=${kubeconfigOf('kwok')}`,
        `--config=${[...stageFiles, modelLoad, localRun].join(',')}`,
        '--manage-all-nodes=false',
        `--node-lease-duration-seconds=${NODE_LEASE_S}`,
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        `--server-address=127.0.0.1:${ports.kwok}`,
      ],
      () => httpOk(`http://127.0.0.1:${ports.kwok}/healthz`),
      `http://127.0.0.1:${ports.kwok}/healthz`,
    );
  } catch (error) {
    await stop().catch(() => undefined);
    if (error instanceof ClusterStartError) throw error;
    throw new ClusterStartError((error as Error).message);
  }
  return { state, stop };
}

/** `cluster down` from another process: stops the recorded processes (identity-checked), reverse order. */
export async function stopRecordedControlPlane(state: ClusterState): Promise<string[]> {
  const lines: string[] = [];
  for (const record of [...state.processes].reverse()) {
    const result = await stopVerified(record, record.what, { graceMs: 10_000 });
    lines.push(`${record.what} (pid ${record.pid}): ${result}`);
  }
  rmSync(state.dir, { recursive: true, force: true });
  return lines;
}
