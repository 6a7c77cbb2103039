import { CoordinationV1Api, CoreV1Api, type KubeConfig, V1MicroTime, type V1Node } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION } from '../../adapters/process/cluster/control-plane.ts';
import { GPU_RESOURCE } from '../../adapters/process/cluster/kwok-stages.ts';

/**
 * The cluster's fake nodes, played by kwok: GPU nodes as the GPU operator labels and
 * taints them (`nvidia.com/gpu.present=true`, allocatable `nvidia.com/gpu`, taint
 * `nvidia.com/gpu:NoSchedule`, so only pods that tolerate it land there) and CPU nodes for
 * everything else (gateway, chaos jobs). Pure description here; `createNodes` writes them.
 */
export const GPU_TAINT = { key: GPU_RESOURCE, value: 'present', effect: 'NoSchedule' } as const;
export const GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';

export interface NodeLayout {
  gpuNodes: number;
  gpusPerNode: number;
  cpuNodes: number;
}

export const DEFAULT_LAYOUT: NodeLayout = { gpuNodes: 3, gpusPerNode: 1, cpuNodes: 1 };

export function fakeNode(name: string, gpus: number): V1Node {
  const gpu = gpus > 0;
  const resources = {
    cpu: '32',
    memory: '256Gi',
    pods: '110',
    ...(gpu ? { [GPU_RESOURCE]: String(gpus) } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
        ...(gpu ? { [GPU_PRESENT_LABEL]: 'true', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } : {}),
      },
    },
    spec: gpu ? { taints: [{ ...GPU_TAINT }] } : {},
    status: { allocatable: resources, capacity: resources },
  };
}

export function layoutNodes(layout: NodeLayout): V1Node[] {
  const nodes: V1Node[] = [];
  for (let i = 1; i <= layout.gpuNodes; i++) nodes.push(fakeNode(`gpu-node-${i}`, layout.gpusPerNode));
  for (let i = 1; i <= layout.cpuNodes; i++) nodes.push(fakeNode(`cpu-node-${i}`, 0));
  return nodes;
}

export function isNodeReady(node: V1Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Creates the nodes and waits until kwok reports every one Ready. */
export async function createNodes(config: KubeConfig, nodes: V1Node[], timeoutMs = 30_000): Promise<void> {
  const core = config.makeApiClient(CoreV1Api);
  for (const node of nodes) await core.createNode({ body: node });
  const names = new Set(nodes.map((n) => n.metadata?.name));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await core.listNode();
    const notReady = list.items.filter((n) => names.has(n.metadata?.name) && !isNodeReady(n));
    if (notReady.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `kwok did not make ${notReady.map((n) => n.metadata?.name).join(', ')} Ready within ${timeoutMs} ms (see the kwok log)`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The node's machine dies as far as the control plane can tell: its kubelet stops renewing
 * the node's Lease, so after the controller-manager's grace period the node turns NotReady,
 * its pods are marked not Ready and the unreachable taint evicts them. The Node object stays,
 * as it does until a cloud controller or an operator removes it.
 *
 * kwok plays every node's kubelet in one process and keeps renewing a Lease it holds (it does
 * not let go when the node loses its kwok annotation), so the dead kubelet's last renewal is
 * written as a Lease held by someone else for longer than the experiment: kwok sees it taken
 * and leaves the node (and its pods) alone; the node lifecycle controller reads only the
 * renew time, which never moves again.
 */
export async function silenceNode(config: KubeConfig, name: string, now = new Date()): Promise<void> {
  const leases = config.makeApiClient(CoordinationV1Api);
  const lease = await leases.readNamespacedLease({ name, namespace: NODE_LEASE_NAMESPACE });
  await leases.replaceNamespacedLease({
    name,
    namespace: NODE_LEASE_NAMESPACE,
    body: {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: `${name}-dead-kubelet`,
        leaseDurationSeconds: 24 * 3600,
        renewTime: new V1MicroTime(now.getTime()),
      },
    },
  });
}

const NODE_LEASE_NAMESPACE = 'kube-node-lease';
