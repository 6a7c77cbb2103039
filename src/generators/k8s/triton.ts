import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IService } from 'kubernetes-models/v1';
import type { StackDocument } from '../../core/spec/kinds/stack.ts';
import { parseByteSize } from '../../core/spec/kinds/stack-cost.ts';
import { ceilSeconds, type KubeObject, metadataOf, objectName, selectorLabels } from './objects.ts';
import { serviceMonitor } from './service-monitor.ts';
import { tritonNetworkPolicy } from './triton-network-policy.ts';
import { TRITON_READY_PROBE_PY } from './triton-ready-probe.ts';

export const TRITON_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;

/** The image's `triton-server` user: server/build.py creates it and asserts uid/gid 1000. */
const TRITON_UID = 1000;
/** Triton waits this long for in-flight inferences after SIGTERM (--exit-timeout-secs). */
const EXIT_TIMEOUT_S = 30;
/** Time for the endpoints controller and kube-proxy to stop routing to a terminating pod. */
const PRE_STOP_S = 10;
const PROBE_PERIOD_S = 10;
/**
 * How long a Triton pod stays bound to a node that stopped reporting (NotReady or
 * unreachable) before it is evicted and rescheduled: Kubernetes adds 300 s by default, which
 * alone breaks the playbook's 2-minute recovery for a lost GPU node. With the default node
 * grace (50 s), eviction after 30 s and a model load, a replacement serves within 2 min.
 */
const NODE_LOSS_EVICTION_S = 30;
/** The readiness script's own deadline; the kubelet's timeout is a second above it. */
const READY_BUDGET_S = 4;
export const PROBE_SCRIPT_DIR = '/opt/steadystate/probes';
/** Where Triton copies the repository it pulls from S3 (TRITON_AWS_MOUNT_DIRECTORY; must exist and be empty). */
const MODEL_CACHE_DIR = '/models';

/** Every Triton model the spec routes to: variants first, then fallbacks, each once. */
export function servedTritonModels(stack: StackDocument): string[] {
  const models = stack.spec.models.flatMap((m) => [
    ...m.variants.map((v) => v.tritonModel),
    ...(m.fallbackModel ? [m.fallbackModel] : []),
  ]);
  return [...new Set(models)];
}

/**
 * Triton's response cache, when the spec asks for it: the local cache of that size, and each
 * model's alternative config `configs/response_cache.pbtxt` (serving/models/repository.py
 * writes it: the model's config plus `response_cache { enable: true }`).
 */
export function responseCacheArgs(cache: { size: string } | undefined): string[] {
  if (!cache) return [];
  return [`--cache-config=local,size=${parseByteSize(cache.size)}`, '--model-config-name=response_cache'];
}

export interface TritonManifestOptions {
  /**
   * The ChaosTarget's opt-in annotation, when its cluster namespaces include this one: the
   * Triton pods (the playbook's GPU servers) then carry it set to "true", so the scheduled
   * pod-kill experiments find them. Absent: no pod here may be deleted by chaos.
   */
  chaosOptInAnnotation?: string;
}

export function tritonManifests(stack: StackDocument, options: TritonManifestOptions = {}): KubeObject[] {
  const k = stack.spec.kubernetes.triton;
  const name = objectName(stack, 'triton');
  const selector = selectorLabels(stack, 'triton');
  const models = servedTritonModels(stack);
  const fromS3 = k.modelRepository.startsWith('s3://');

  const probes: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadataOf(stack, 'triton', `${name}-probes`),
    data: { 'ready.py': TRITON_READY_PROBE_PY },
  };

  const deployment: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadataOf(stack, 'triton'),
    spec: {
      replicas: k.replicas,
      selector: { matchLabels: selector },
      // Never below serving capacity during a rollout: a new pod must be ready (models pulled,
      // test predictions pass) before an old one goes. Needs one spare GPU in the pool.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: metadataOf(stack, 'triton').labels,
          ...(options.chaosOptInAnnotation ? { annotations: { [options.chaosOptInAnnotation]: 'true' } } : {}),
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: TRITON_UID,
            runAsGroup: TRITON_UID,
            fsGroup: TRITON_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          nodeSelector: k.nodeSelector,
          // GPU node pools are usually tainted so that only GPU workloads land there.
          tolerations: [
            { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
            ...['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
              key,
              operator: 'Exists' as const,
              effect: 'NoExecute' as const,
              tolerationSeconds: NODE_LOSS_EVICTION_S,
            })),
          ],
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
            },
          ],
          terminationGracePeriodSeconds: PRE_STOP_S + EXIT_TIMEOUT_S + 5,
          containers: [
            {
              name: 'tritonserver',
              image: k.image,
              command: ['tritonserver'],
              args: [
                `--model-repository=${k.modelRepository}`,
                // Explicit control, as locally: only the spec's models load, and the chaos runner
                // can unload one to simulate a lost GPU.
                '--model-control-mode=explicit',
                ...models.map((m) => `--load-model=${m}`),
                // /v2/health/ready answers 200 only when every loaded model is ready.
                '--strict-readiness=true',
                `--exit-timeout-secs=${EXIT_TIMEOUT_S}`,
                `--http-port=${TRITON_PORTS.http}`,
                `--grpc-port=${TRITON_PORTS.grpc}`,
                `--metrics-port=${TRITON_PORTS.metrics}`,
                '--allow-metrics=true',
                '--allow-gpu-metrics=true',
                ...responseCacheArgs(k.responseCache),
              ],
              ports: [
                { name: 'http', containerPort: TRITON_PORTS.http },
                { name: 'grpc', containerPort: TRITON_PORTS.grpc },
                { name: 'metrics', containerPort: TRITON_PORTS.metrics },
              ],
              // Object-storage credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
              // AWS_DEFAULT_REGION, or AZURE_STORAGE_ACCOUNT/KEY) as Triton reads them.
              envFrom: [{ secretRef: { name: k.credentialsSecret } }],
              env: fromS3 ? [{ name: 'TRITON_AWS_MOUNT_DIRECTORY', value: MODEL_CACHE_DIR }] : [],
              // Guaranteed QoS (limits = requests): the last pods evicted under node pressure.
              resources: {
                requests: { cpu: k.resources.cpu, memory: k.resources.memory, 'nvidia.com/gpu': String(k.gpusPerPod) },
                limits: { cpu: k.resources.cpu, memory: k.resources.memory, 'nvidia.com/gpu': String(k.gpusPerPod) },
              },
              // Cold start (pull the repository, load models, maybe build TensorRT engines): the
              // HTTP endpoint opens only after the initial load, so liveness waits for this.
              startupProbe: {
                httpGet: { path: '/v2/health/live', port: 'http' },
                periodSeconds: PROBE_PERIOD_S,
                timeoutSeconds: 2,
                failureThreshold: Math.ceil(ceilSeconds(k.startupTimeout) / PROBE_PERIOD_S),
              },
              livenessProbe: {
                httpGet: { path: '/v2/health/live', port: 'http' },
                periodSeconds: PROBE_PERIOD_S,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              readinessProbe: {
                exec: {
                  command: [
                    'python3',
                    `${PROBE_SCRIPT_DIR}/ready.py`,
                    `http://127.0.0.1:${TRITON_PORTS.http}`,
                    String(READY_BUDGET_S),
                    ...models,
                  ],
                },
                periodSeconds: PROBE_PERIOD_S,
                timeoutSeconds: READY_BUDGET_S + 1,
                failureThreshold: 2,
              },
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_S } } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'probes', mountPath: PROBE_SCRIPT_DIR, readOnly: true },
                { name: 'model-cache', mountPath: MODEL_CACHE_DIR },
              ],
            },
          ],
          volumes: [
            { name: 'probes', configMap: { name: `${name}-probes`, defaultMode: 0o444 } },
            { name: 'model-cache', emptyDir: { sizeLimit: '4Gi' } },
          ],
        },
      },
    },
  };

  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadataOf(stack, 'triton'),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: (['http', 'grpc', 'metrics'] as const).map((port) => ({
        name: port,
        port: TRITON_PORTS[port],
        targetPort: port,
        protocol: 'TCP' as const,
      })),
    },
  };

  const disruptionBudget: IPodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadataOf(stack, 'triton'),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selector },
      // A pod that is not ready (a broken GPU) must not block a node drain.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };

  return [
    probes,
    deployment,
    service,
    disruptionBudget,
    tritonNetworkPolicy(stack, TRITON_PORTS),
    serviceMonitor(stack, 'triton', 'metrics'),
  ] as KubeObject[];
}
