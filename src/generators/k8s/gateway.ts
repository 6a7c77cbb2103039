import { createHash } from 'node:crypto';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IService } from 'kubernetes-models/v1';
import { stringify } from 'yaml';
import type { StackDocument } from '../../core/spec/kinds/stack.ts';
import { parseByteSize } from '../../core/spec/kinds/stack-cost.ts';
import type { Spec } from '../../core/spec/parse.ts';
import {
  ceilSeconds,
  type KubeObject,
  metadataOf,
  objectName,
  restrictedContainerSecurityContext,
  selectorLabels,
  tritonServiceUrl,
} from './objects.ts';
import { serviceMonitor } from './service-monitor.ts';
import { TRITON_PORTS } from './triton.ts';

/** The steadystate image: repository at /app, entrypoint the `steadystate` CLI. */
const WORKDIR = '/app';
const SPEC_DIR = '/etc/steadystate';
const GATEWAY_UID = 10001;
/** Environment variable the gateway reads its admin bearer token from. */
/** Time for the endpoints controller and kube-proxy to stop routing to a terminating pod. */
const PRE_STOP_S = 5;

/**
 * steadystate.yaml as the gateway reads it inside the cluster: every document of the spec
 * (defaults filled in), with Triton's URLs pointing at the in-cluster Service.
 */
/**
 * Node's flag sizing V8's old generation for a gateway pod with `memory` as its limit: three
 * quarters of it, the rest for the young generation, code, sockets and buffers. Without it V8
 * sizes the heap from the node's memory, grows it lazily under load (about 500 MB RSS in the
 * overload bench) and the pod is OOM-killed instead of collecting garbage.
 */
export function gatewayHeapFlag(memory: string): string {
  const mib = Math.floor((parseByteSize(memory) / 2 ** 20) * 0.75);
  return `--max-old-space-size=${Math.max(64, mib)}`;
}

export function inClusterSpecYaml(spec: Spec, stack: StackDocument): string {
  const documents = spec.documents.map((doc) =>
    doc === stack
      ? {
          ...stack,
          spec: {
            ...stack.spec,
            triton: {
              url: tritonServiceUrl(stack, TRITON_PORTS.http),
              metricsUrl: tritonServiceUrl(stack, TRITON_PORTS.metrics),
            },
          },
        }
      : doc,
  );
  return (
    '# steadystate.yaml for the cluster (defaults filled in; Triton at its Service). Written by `npm run gen`.\n' +
    documents.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n')
  );
}

export function gatewayManifests(spec: Spec, stack: StackDocument): KubeObject[] {
  const k = stack.spec.kubernetes.gateway;
  const name = objectName(stack, 'gateway');
  const selector = selectorLabels(stack, 'gateway');
  const specYaml = inClusterSpecYaml(spec, stack);
  const drainS = ceilSeconds(k.drainTimeout);

  const config: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadataOf(stack, 'gateway', `${name}-spec`),
    data: { 'steadystate.yaml': specYaml },
  };

  const deployment: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadataOf(stack, 'gateway'),
    spec: {
      // No `replicas`: the HorizontalPodAutoscaler owns the count; setting it here would reset
      // the scale on every apply.
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: metadataOf(stack, 'gateway').labels,
          // A changed spec changes this hash, which rolls the pods onto the new ConfigMap.
          annotations: { 'steadystate.dev/spec-sha256': createHash('sha256').update(specYaml).digest('hex') },
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: GATEWAY_UID,
            runAsGroup: GATEWAY_UID,
            fsGroup: GATEWAY_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
            },
          ],
          // preStop delay, then SIGTERM: the gateway stops accepting, drains in-flight requests
          // (each bounded by its deadline) for up to drainTimeout, then exits.
          terminationGracePeriodSeconds: PRE_STOP_S + drainS + 5,
          containers: [
            {
              name: 'gateway',
              image: k.image,
              workingDir: WORKDIR,
              args: ['gateway', '--spec', `${SPEC_DIR}/steadystate.yaml`, '--host', '0.0.0.0'],
              ports: [{ name: 'http', containerPort: stack.spec.gateway.port }],
              env: [
                {
                  name: stack.spec.gateway.adminTokenEnv,
                  valueFrom: { secretKeyRef: { name: k.adminTokenSecret, key: 'token' } },
                },
                { name: 'NODE_ENV', value: 'production' },
                { name: 'NODE_OPTIONS', value: gatewayHeapFlag(k.resources.memory) },
              ],
              // Guaranteed QoS (limits = requests): predictable latency, last to be evicted.
              resources: {
                requests: { cpu: k.resources.cpu, memory: k.resources.memory },
                limits: { cpu: k.resources.cpu, memory: k.resources.memory },
              },
              // Ready only after a warm-up prediction through the primary path succeeded.
              readinessProbe: {
                httpGet: { path: '/readyz', port: 'http' },
                periodSeconds: 5,
                timeoutSeconds: 2,
                failureThreshold: 2,
              },
              // The process answers; never depends on Triton (a Triton outage must not restart gateways).
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'http' },
                periodSeconds: 10,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_S } } },
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: 'spec', mountPath: SPEC_DIR, readOnly: true },
                // Runtime state (the sampled prediction log) and scratch space: the only writable paths.
                { name: 'state', mountPath: `${WORKDIR}/.steadystate` },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'spec', configMap: { name: `${name}-spec` } },
            { name: 'state', emptyDir: { sizeLimit: '1Gi' } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };

  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadataOf(stack, 'gateway'),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: stack.spec.gateway.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };

  const autoscaler: IHorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadataOf(stack, 'gateway'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: k.minReplicas,
      maxReplicas: k.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: k.targetCpuUtilization } },
        },
      ],
      // Up fast (a spike must not wait for the default 5-minute stabilization), down slowly.
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
      },
    },
  };

  const disruptionBudget: IPodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadataOf(stack, 'gateway'),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selector },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };

  return [
    config,
    deployment,
    service,
    autoscaler,
    disruptionBudget,
    serviceMonitor(stack, 'gateway', 'http'),
  ] as KubeObject[];
}
