import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { StackDocument } from '../../core/spec/kinds/stack.ts';
import { metadataOf, selectorLabels } from './objects.ts';

/**
 * Who may reach Triton. Its HTTP and gRPC ports carry inference AND the model-control API
 * (load/unload with --model-control-mode=explicit), so only the gateway's pods may call
 * them; the metrics port is open to the monitoring namespace's Prometheus. Everything else
 * in the cluster is refused. The kubelet's startup/liveness probes come from the node and
 * are not subject to pod-to-pod policy in the common CNIs (Calico, Cilium); the readiness
 * probe runs inside the pod.
 */
export function tritonNetworkPolicy(stack: StackDocument, ports: { http: number; grpc: number; metrics: number }) {
  const policy: INetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadataOf(stack, 'triton'),
    spec: {
      podSelector: { matchLabels: selectorLabels(stack, 'triton') },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: selectorLabels(stack, 'gateway') } }],
          ports: [
            { protocol: 'TCP', port: ports.http },
            { protocol: 'TCP', port: ports.grpc },
          ],
        },
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { 'kubernetes.io/metadata.name': stack.spec.kubernetes.monitoringNamespace },
              },
            },
          ],
          ports: [{ protocol: 'TCP', port: ports.metrics }],
        },
      ],
    },
  };
  return policy;
}
