import type { StackDocument } from '../../core/spec/kinds/stack.ts';
import { type Component, metadataOf, selectorLabels } from './objects.ts';

/**
 * The prometheus-operator ServiceMonitor (monitoring.coreos.com/v1), the fields we use.
 * Prometheus (or an agent feeding Thanos/Mimir) scrapes every pod behind the Service, so
 * drift and A/B statistics are summed across replicas, never read from one process.
 */
export interface ServiceMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'ServiceMonitor';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { matchNames: string[] };
    endpoints: { port: string; path: string; interval: string; scrapeTimeout: string }[];
  };
}

export function serviceMonitor(stack: StackDocument, component: Component, port: string): ServiceMonitor {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: metadataOf(stack, component),
    spec: {
      selector: { matchLabels: selectorLabels(stack, component) },
      namespaceSelector: { matchNames: [stack.spec.kubernetes.namespace] },
      // 15 s: the resolution our burn-rate windows and dashboards assume (4 samples a minute).
      endpoints: [{ port, path: '/metrics', interval: '15s', scrapeTimeout: '10s' }],
    },
  };
}
