import type { ICronJob } from 'kubernetes-models/batch/v1';
import type { IRole, IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { IServiceAccount } from 'kubernetes-models/v1';
import type { ChaosTargetDocument } from '../../core/spec/kinds/chaos-target.ts';
import type { StackDocument } from '../../core/spec/kinds/stack.ts';
import { ceilSeconds, type KubeObject, restrictedContainerSecurityContext } from '../k8s/objects.ts';

/** The steadystate image's working directory and user (the gateway Deployment runs the same image). */
const WORKDIR = '/app';
const UID = 10001;

function labels(stack: StackDocument, experiment?: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'steadystate-chaos',
    'app.kubernetes.io/instance': stack.metadata.name,
    'app.kubernetes.io/component': 'chaos',
    'app.kubernetes.io/part-of': 'steadystate',
    'app.kubernetes.io/managed-by': 'steadystate',
    ...(experiment ? { 'steadystate.dev/experiment': experiment } : {}),
  };
}

/**
 * Least privilege for the scheduled runs: a ServiceAccount in the Stack's namespace, and in
 * each allow-listed namespace a Role that may only get, list, watch and delete pods.
 */
export function chaosRbac(stack: StackDocument, target: ChaosTargetDocument): KubeObject[] {
  const k = target.spec.cluster;
  const home = stack.spec.kubernetes.namespace;
  const account: IServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: k.serviceAccount, namespace: home, labels: labels(stack) },
    automountServiceAccountToken: true,
  };
  const perNamespace = k.namespaces.flatMap((namespace) => {
    const role: IRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: k.serviceAccount, namespace, labels: labels(stack) },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] }],
    };
    const binding: IRoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: k.serviceAccount, namespace, labels: labels(stack) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: k.serviceAccount },
      subjects: [{ kind: 'ServiceAccount', name: k.serviceAccount, namespace: home }],
    };
    return [role, binding];
  });
  return [account, ...perNamespace] as unknown as KubeObject[];
}

/**
 * One CronJob per schedule. concurrencyPolicy Forbid: two runs of one experiment at once
 * would double the blast radius. backoffLimit 0: a failed run is a result, not something
 * to retry (a retry would inject the fault again). The run pushes its result to Pushgateway.
 */
export function chaosCronJobs(stack: StackDocument, target: ChaosTargetDocument): KubeObject[] {
  const k = target.spec.cluster;
  const gateway = stack.spec.kubernetes.gateway;
  return target.spec.schedules.map((s) => {
    const job: ICronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {
        name: `chaos-${s.experiment}`,
        namespace: stack.spec.kubernetes.namespace,
        labels: labels(stack, s.experiment),
      },
      spec: {
        schedule: s.cron,
        timeZone: s.timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        jobTemplate: {
          metadata: { labels: labels(stack, s.experiment) },
          spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: ceilSeconds(s.timeout),
            ttlSecondsAfterFinished: 7 * 86_400,
            template: {
              metadata: { labels: labels(stack, s.experiment) },
              spec: {
                serviceAccountName: k.serviceAccount,
                automountServiceAccountToken: true,
                restartPolicy: 'Never',
                // SIGTERM (the deadline, a drain) makes the runner roll back; give it time to.
                terminationGracePeriodSeconds: 120,
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: UID,
                  runAsGroup: UID,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                containers: [
                  {
                    name: 'chaos',
                    image: gateway.image,
                    workingDir: WORKDIR,
                    args: [
                      'chaos',
                      'run',
                      `${WORKDIR}/chaos/experiments/${s.experiment}.yaml`,
                      '--spec',
                      `${WORKDIR}/steadystate.yaml`,
                      '--pushgateway',
                      k.pushgatewayUrl,
                      '--journal',
                      '/tmp/chaos/journal.json',
                      '--junit',
                      '/tmp/chaos/junit.xml',
                    ],
                    env: [
                      {
                        name: stack.spec.gateway.adminTokenEnv,
                        valueFrom: { secretKeyRef: { name: gateway.adminTokenSecret, key: 'token' } },
                      },
                      { name: 'NODE_ENV', value: 'production' },
                    ],
                    resources: {
                      requests: { cpu: '100m', memory: '256Mi' },
                      limits: { cpu: '500m', memory: '256Mi' },
                    },
                    securityContext: restrictedContainerSecurityContext(),
                    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                  },
                ],
                volumes: [{ name: 'tmp', emptyDir: {} }],
              },
            },
          },
        },
      },
    };
    return job as unknown as KubeObject;
  });
}
