import type { IJob } from 'kubernetes-models/batch/v1';
import type { BatchJobDocument } from '../../core/spec/kinds/batch-job.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { StackDocument } from '../../core/spec/kinds/stack.ts';
import { objectName, restrictedContainerSecurityContext } from '../k8s/objects.ts';

const SPEC_DIR = '/etc/steadystate';
const UID = 10001;
/** `steadystate batch score` exits 75 (EX_TEMPFAIL) after the spot notice: resumable, not a failure. */
export const INTERRUPTED_EXIT_CODE = 75;

/**
 * The Kubernetes Job of a BatchJob on spot nodes. Spot capacity is taken back with a short
 * notice: the kubelet sends SIGTERM and kills after terminationGracePeriodSeconds, so that is
 * the notice; the job checkpoints to object storage and exits 75. A reclaimed pod (condition
 * DisruptionTarget) or one that exited 75 is replaced without counting toward backoffLimit
 * (podFailurePolicy); only real crashes count. The replacement resumes from the checkpoint.
 */
export function batchJobManifest(job: BatchJobDocument, stack: StackDocument): IJob {
  const k = job.spec.cluster;
  const name = `batch-${job.metadata.name}`;
  const labels = {
    'app.kubernetes.io/name': 'steadystate-batch',
    'app.kubernetes.io/instance': job.metadata.name,
    'app.kubernetes.io/component': 'batch-scoring',
    'app.kubernetes.io/part-of': 'steadystate',
    'app.kubernetes.io/managed-by': 'steadystate',
  };
  const args = [
    'batch',
    'score',
    '--spec',
    `${SPEC_DIR}/steadystate.yaml`,
    '--job',
    job.metadata.name,
    '--input',
    k.input,
    '--output',
    k.output,
    '--triton-url',
    k.tritonUrl,
    ...(k.pushgatewayUrl ? ['--pushgateway', k.pushgatewayUrl] : []),
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: stack.spec.kubernetes.namespace, labels },
    spec: {
      backoffLimit: k.backoffLimit,
      completions: 1,
      parallelism: 1,
      podFailurePolicy: {
        rules: [
          // The node was reclaimed (spot) or drained: not the job's fault.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          // The job saw the notice, checkpointed and exited: resume on a new pod.
          {
            action: 'Ignore',
            onExitCodes: { containerName: 'batch', operator: 'In', values: [INTERRUPTED_EXIT_CODE] },
          },
          // Bad input (exit 2) will not get better by retrying.
          { action: 'FailJob', onExitCodes: { containerName: 'batch', operator: 'In', values: [2] } },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: parseDuration(job.spec.notice),
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: k.spot.capacityLabel, operator: 'In', values: [...k.spot.capacityValues] },
                    ],
                  },
                ],
              },
            },
          },
          tolerations: k.spot.tolerations.map((t) => ({ ...t })),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: UID,
            runAsGroup: UID,
            fsGroup: UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'batch',
              image: k.image,
              args,
              envFrom: [{ secretRef: { name: k.credentialsSecret } }],
              resources: { requests: { ...k.resources }, limits: { ...k.resources } },
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: 'spec', mountPath: SPEC_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          // The spec the gateway reads (serving/k8s/gateway.yaml): one ConfigMap, one truth.
          volumes: [
            { name: 'spec', configMap: { name: `${objectName(stack, 'gateway')}-spec` } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}
