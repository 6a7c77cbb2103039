import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Container,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import { isTerminating, type PodWatch, watchPods } from '../../adapters/kubernetes/pod-informer.ts';
import { kubeConfigWithToken } from '../../adapters/kubernetes/service-account.ts';
import { paths } from '../../adapters/process/paths.ts';
import { spawnSupervised } from '../../adapters/process/supervisor.ts';

/**
 * Scheduled chaos on the local cluster. `jobFromCronJob` does what `kubectl create job
 * --from=cronjob/NAME` does; the Job controller then makes the pod, the scheduler places it
 * and kwok marks it Running (our kwok Stage keeps chaos pods Running instead of completing
 * them at once). The job-pod runner plays the kubelet for those pods: it runs the container's
 * command as a local `steadystate` process with what the pod would have (its
 * ServiceAccount's token from the TokenRequest API, bound to the pod; its env, secrets
 * resolved; its working dir = this checkout; emptyDir mounts = temp dirs; in-cluster Service
 * addresses in the arguments mapped to their local ports), then writes the exit code into the
 * pod's status, so the Job controller sees it succeed or fail.
 */
export const CHAOS_POD_SELECTOR = 'app.kubernetes.io/component=chaos';

export async function jobFromCronJob(
  config: KubeConfig,
  namespace: string,
  cronJobName: string,
  jobName: string,
): Promise<V1Job> {
  const batch = config.makeApiClient(BatchV1Api);
  const cron = await batch.readNamespacedCronJob({ name: cronJobName, namespace });
  const template = cron.spec?.jobTemplate;
  if (!template?.spec) throw new Error(`CronJob ${namespace}/${cronJobName} has no jobTemplate.spec`);
  return batch.createNamespacedJob({
    namespace,
    body: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobName,
        namespace,
        labels: template.metadata?.labels ?? {},
        annotations: { ...(template.metadata?.annotations ?? {}), 'cronjob.kubernetes.io/instantiate': 'manual' },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: cronJobName,
            uid: cron.metadata?.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: template.spec,
    },
  });
}

export interface JobPodRun {
  pod: string;
  exitCode: number;
  output: string;
  argv: string[];
}

export interface JobPodRunner {
  readonly runs: JobPodRun[];
  stop(): Promise<void>;
}

/** `http://NAME.NS.svc:PORT` -> `http://127.0.0.1:PORT'` for the Services that run locally. */
export type ServiceAddresses = Record<string, string>;

/** Pure: the container's arguments as a local run sees them. */
export function localArguments(
  container: V1Container,
  mounts: Record<string, string>,
  services: ServiceAddresses,
  root: string,
): string[] {
  const workingDir = container.workingDir ?? '/';
  return [...(container.command ?? []), ...(container.args ?? [])].map((arg) => {
    let out = arg;
    for (const [from, to] of Object.entries(services)) out = out.split(from).join(to);
    for (const [mountPath, dir] of Object.entries(mounts)) {
      if (out === mountPath || out.startsWith(`${mountPath}/`)) return dir + out.slice(mountPath.length);
    }
    if (workingDir !== '/' && (out === workingDir || out.startsWith(`${workingDir}/`))) {
      return root + out.slice(workingDir.length);
    }
    return out;
  });
}

export async function startJobPodRunner(options: {
  kubeConfig: KubeConfig;
  namespace: string;
  services: ServiceAddresses;
  labelSelector?: string;
}): Promise<JobPodRunner> {
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const root = paths.root();
  const runs: JobPodRun[] = [];
  const handled = new Set<string>();
  const pending = new Set<Promise<void>>();

  const run = async (pod: V1Pod) => {
    const name = pod.metadata?.name ?? '';
    const container = pod.spec?.containers[0];
    if (!container) return;
    const sandbox = mkdtempSync(join(tmpdir(), `steadystate-pod-${name}-`));
    try {
      // emptyDir volumes: a fresh dir per pod, as the kubelet makes one.
      const emptyDirs = new Set((pod.spec?.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
      const mounts: Record<string, string> = {};
      for (const m of container.volumeMounts ?? []) {
        if (!emptyDirs.has(m.name)) continue;
        mounts[m.mountPath] = join(sandbox, m.name);
        mkdirSync(mounts[m.mountPath] as string, { recursive: true });
      }
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
      for (const e of container.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          const secret = await core
            .readNamespacedSecret({ name: ref.name ?? '', namespace: options.namespace })
            .catch(() => undefined);
          const data = secret?.data?.[ref.key];
          if (data !== undefined) env[e.name] = Buffer.from(data, 'base64').toString('utf8');
          else if (!ref.optional) throw new Error(`secret ${ref.name} key ${ref.key} (env ${e.name}) is missing`);
        }
      }
      // The pod's identity: a token bound to this pod, as the kubelet projects it.
      const account = pod.spec?.serviceAccountName ?? 'default';
      const request = await core.createNamespacedServiceAccountToken({
        name: account,
        namespace: options.namespace,
        body: {
          spec: {
            audiences: [],
            expirationSeconds: 3600,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid: pod.metadata?.uid ?? '' },
          },
        },
      });
      const kubeconfigFile = join(sandbox, 'kubeconfig');
      writeFileSync(
        kubeconfigFile,
        kubeConfigWithToken(options.kubeConfig, request.status?.token ?? '', options.namespace).exportConfig(),
        { mode: 0o600 },
      );
      env.KUBECONFIG = kubeconfigFile;
      const argv = localArguments(container, mounts, options.services, root);
      // The image's entrypoint is the steadystate CLI: run this checkout's.
      const child = await spawnSupervised({
        what: `chaos job pod ${name}`,
        command: process.execPath,
        args: [join(root, 'src', 'cli', 'main.ts'), ...argv],
        cwd: root,
        env,
        output: 'pipe',
      });
      const exitCode = await child.exited;
      runs.push({ pod: name, exitCode, output: child.output(200), argv });
      await setTerminated(core, pod, exitCode);
    } finally {
      rmSync(sandbox, { recursive: true, force: true });
    }
  };

  const watch: PodWatch = await watchPods(
    options.kubeConfig,
    options.namespace,
    options.labelSelector ?? CHAOS_POD_SELECTOR,
    (pods) => {
      for (const pod of pods) {
        const uid = pod.metadata?.uid ?? '';
        if (handled.has(uid) || isTerminating(pod) || pod.status?.phase !== 'Running') continue;
        handled.add(uid);
        const task = run(pod).catch((error: Error) => {
          runs.push({ pod: pod.metadata?.name ?? '', exitCode: -1, output: error.message, argv: [] });
          return setTerminated(core, pod, 1).catch(() => undefined);
        });
        pending.add(task);
        void task.finally(() => pending.delete(task));
      }
    },
  );
  return {
    runs,
    async stop() {
      await watch.stop();
      await Promise.allSettled([...pending]);
    },
  };
}

/** The pod's status as a kubelet reports a container that exited with `exitCode`. */
async function setTerminated(core: CoreV1Api, pod: V1Pod, exitCode: number): Promise<void> {
  const now = new Date();
  const containers = pod.spec?.containers ?? [];
  await core.replaceNamespacedPodStatus({
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    body: {
      ...pod,
      status: {
        ...pod.status,
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: (pod.status?.conditions ?? []).map((c) =>
          c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', lastTransitionTime: now } : c,
        ),
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode,
              reason: exitCode === 0 ? 'Completed' : 'Error',
              startedAt: pod.status?.startTime ?? now,
              finishedAt: now,
            },
          },
        })),
      },
    },
  });
}
