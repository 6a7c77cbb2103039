import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { readClusterState, stopRecordedControlPlane } from '../../adapters/process/cluster/control-plane.ts';
import { compareIdentity, readIdentity, residentBytes } from '../../adapters/process/identity.ts';
import { paths } from '../../adapters/process/paths.ts';
import { runningCluster, startLocalCluster } from '../../services/cluster/cluster.ts';
import { isNodeReady } from '../../services/cluster/fake-nodes.ts';
import { parsePort } from '../options.ts';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export function registerCluster(program: Command): void {
  const cluster = program
    .command('cluster')
    .description(
      'a local Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler) with kwok fake GPU nodes',
    );
  const stateDir = () => paths.state('cluster');

  cluster
    .command('up')
    .description(
      'start the control plane on 127.0.0.1 and make the fake nodes Ready; writes .steadystate/cluster/admin.kubeconfig',
    )
    .option('--port <port>', 'kube-apiserver port (default: a free one)', parsePort)
    .option('--gpu-nodes <n>', 'fake GPU nodes', (v) => Number(v), 3)
    .option('--model-load <ms>', 'how long a GPU pod takes to become Ready (a model load)', (v) => Number(v), 3_000)
    .action(async (opts) => {
      const up = await startLocalCluster({
        dir: stateDir(),
        apiserverPort: opts.port,
        modelLoadMs: opts.modelLoad,
        layout: { gpuNodes: opts.gpuNodes },
        detached: true,
      });
      const rss = up.state.processes.reduce((sum, p) => sum + (residentBytes(p.pid) ?? 0), 0);
      console.log(`cluster up in ${up.upSeconds.toFixed(1)} s: ${up.state.server} (Kubernetes ${up.state.version})`);
      console.log(`kubeconfig: ${up.state.kubeconfig}`);
      console.log(
        `control plane: ${up.state.processes.map((p) => `${p.what} ${p.pid}`).join(', ')}; ${mib(rss)} resident`,
      );
    });

  cluster
    .command('down')
    .description('stop every process `cluster up` started (each checked to be the one recorded) and remove its state')
    .action(async () => {
      const state = readClusterState(stateDir());
      if (!state) {
        console.log('no cluster recorded (.steadystate/cluster/cluster.json)');
        return;
      }
      for (const line of await stopRecordedControlPlane(state)) console.log(line);
    });

  cluster
    .command('status')
    .description('show the recorded processes (alive, memory) and the nodes')
    .action(async () => {
      const state = readClusterState(stateDir());
      if (!state) {
        console.log('no cluster recorded; start one with `steadystate cluster up`');
        return;
      }
      console.log(`${state.server} (Kubernetes ${state.version}, started ${state.startedAt})`);
      let total = 0;
      for (const p of state.processes) {
        const check = compareIdentity(p, readIdentity(p.pid));
        const rss = check.status === 'ours' ? residentBytes(p.pid) : undefined;
        total += rss ?? 0;
        console.log(
          `  ${p.what.padEnd(24)} pid ${p.pid} ${check.status === 'ours' ? `running, ${mib(rss ?? 0)}` : check.status}`,
        );
      }
      console.log(`  control plane resident memory: ${mib(total)}`);
      if (!runningCluster(stateDir())) return;
      const kc = new KubeConfig();
      kc.loadFromFile(state.kubeconfig);
      const nodes = await kc.makeApiClient(CoreV1Api).listNode();
      for (const n of nodes.items) {
        const gpus = n.status?.allocatable?.['nvidia.com/gpu'];
        console.log(
          `  node ${n.metadata?.name} ${isNodeReady(n) ? 'Ready' : 'NotReady'}${gpus ? `, ${gpus} GPU` : ''}`,
        );
      }
    });
}
