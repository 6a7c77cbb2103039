import type { INamespace } from 'kubernetes-models/v1';
import { chaosTargetOf } from '../../core/spec/kinds/chaos-target.ts';
import { stackOf } from '../../core/spec/parse.ts';
import { type Generator, generatedHeader } from '../types.ts';
import { gatewayManifests } from './gateway.ts';
import { type KubeObject, renderManifests } from './objects.ts';
import { tritonManifests } from './triton.ts';

const SOURCE = 'src/generators/k8s/generator.ts';

/**
 * serving/k8s/: the production shape of the Stack. Triton on GPU nodes pulling its model
 * repository from object storage, the gateway as a stateless, autoscaled Deployment in front
 * of it, both scraped by the prometheus-operator. Apply namespace.yaml first, then the folder.
 */
export const k8sServingGenerator: Generator = {
  name: 'k8s-serving',
  owns: ['serving/k8s'],
  generate: (spec) => {
    const stack = stackOf(spec);
    const chaos = chaosTargetOf(spec).cluster;
    const chaosOptIn = chaos.namespaces.includes(stack.spec.kubernetes.namespace) ? chaos.optInAnnotation : undefined;
    const namespace: INamespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: stack.spec.kubernetes.namespace,
        // Every pod here meets the "restricted" Pod Security Standard; the API server enforces it.
        labels: {
          'app.kubernetes.io/part-of': 'steadystate',
          'pod-security.kubernetes.io/enforce': 'restricted',
        },
      },
    };
    const file = (path: string, what: string, objects: KubeObject[]) => ({
      path,
      content: renderManifests(`${generatedHeader(SOURCE)}# ${what}\n`, objects),
    });
    return [
      file('serving/k8s/namespace.yaml', 'The namespace; apply it before the rest of this folder.', [
        namespace as KubeObject,
      ]),
      file(
        'serving/k8s/triton.yaml',
        'Triton on GPU nodes: model repository from object storage, readiness = models ready + a test prediction.',
        tritonManifests(stack, chaosOptIn ? { chaosOptInAnnotation: chaosOptIn } : {}),
      ),
      file(
        'serving/k8s/gateway.yaml',
        'The inference gateway: stateless, autoscaled, non-root, read-only root filesystem, drains on shutdown.',
        gatewayManifests(spec, stack),
      ),
    ];
  },
};
