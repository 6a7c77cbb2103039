import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import {
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Container,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import { POD_ROOT_ENV, SERVICEACCOUNT_DIR } from '../../adapters/chaos/kubernetes-pods.ts';
import { isTerminating, type PodWatch, watchPods } from '../../adapters/kubernetes/pod-informer.ts';
import { paths } from '../../adapters/process/paths.ts';
import { spawnSupervised } from '../../adapters/process/supervisor.ts';
import { mapServiceUrls, type ServiceAddresses } from '../../core/cluster/service-addresses.ts';

/**
 * Scheduled chaos on the local cluster. `jobFromCronJob` does what `kubectl create job
 * --from=cronjob/NAME` does; the Job controller then makes the pod, the scheduler places it
 * and kwok marks it Running (our kwok Stage keeps chaos pods Running instead of completing
 * them at once). The job-pod runner plays the kubelet for those pods: it runs the container's
 * command as a local `steadystate` process with what the pod would have: the in-cluster
 * environment (KUBERNETES_SERVICE_HOST/PORT = the local API server; its ServiceAccount's token
 * from the TokenRequest API, bound to the pod, with the CA and namespace, in the service-account
 * folder under a per-pod root named by POD_ROOT_ENV, since a local process has no mount
 * namespace), its env with secrets resolved, its working dir = this checkout, emptyDir mounts =
 * temp dirs, and the in-cluster Service URLs (in the arguments and in the image's files the
 * arguments name, e.g. the spec's ChaosTarget URLs) mapped to their local stand-ins
 * (`core/cluster/service-addresses.ts`). Then it writes the exit code into the pod's status,
 * so the Job controller sees the pod succeed or fail.
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
  /** The in-cluster environment it ran with (KUBERNETES_SERVICE_HOST/PORT, the pod root); no secrets. */
  inCluster: Record<string, string>;
}

export interface JobPodRunner {
  readonly runs: JobPodRun[];
  stop(): Promise<void>;
}

/** Pure: the container's arguments as a local run sees them. */
export function localArguments(
  container: V1Container,
  mounts: Record<string, string>,
  services: ServiceAddresses,
  root: string,
): string[] {
  const workingDir = container.workingDir ?? '/';
  return [...(container.command ?? []), ...(container.args ?? [])].map((arg) => {
    const out = mapServiceUrls(arg, services);
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
      // HOME is the sandbox: never the administrator's ~/.kube/config, the pod has only its own identity.
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: sandbox };
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
      const token = request.status?.token;
      if (!token) throw new Error(`TokenRequest for ServiceAccount ${options.namespace}/${account} returned no token`);
      const inCluster = inClusterEnvironment(options.kubeConfig, join(sandbox, 'root'), token, options.namespace);
      Object.assign(env, inCluster);
      const argv = localArguments(container, mounts, options.services, root).map((arg) =>
        imageFileView(arg, root, join(sandbox, 'image'), options.services),
      );
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
      runs.push({
        pod: name,
        exitCode,
        output: child.output(200),
        argv,
        inCluster: inCluster as Record<string, string>,
      });
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
          runs.push({ pod: pod.metadata?.name ?? '', exitCode: -1, output: error.message, argv: [], inCluster: {} });
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

/**
 * What a pod's process finds: KUBERNETES_SERVICE_HOST/PORT and, under `podRoot`, the
 * service-account folder (token, ca.crt, namespace) that `loadFromCluster` reads.
 */
export function inClusterEnvironment(
  admin: KubeConfig,
  podRoot: string,
  token: string,
  namespace: string,
): NodeJS.ProcessEnv {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the kube config has no current cluster');
  const server = new URL(cluster.server);
  const ca = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString('utf8')
    : cluster.caFile
      ? readFileSync(cluster.caFile, 'utf8')
      : undefined;
  if (!ca) throw new Error(`the kube config's cluster ${cluster.name} has no CA (certificate-authority[-data])`);
  const dir = join(podRoot, SERVICEACCOUNT_DIR);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), ca);
  writeFileSync(join(dir, 'namespace'), namespace);
  return {
    KUBERNETES_SERVICE_HOST: server.hostname,
    KUBERNETES_SERVICE_PORT: server.port || '443',
    [POD_ROOT_ENV]: podRoot,
  };
}

/**
 * A file of the image that names in-cluster Services (the spec's ChaosTarget URLs): the
 * process reads a copy with them mapped; any other argument is returned as it is.
 */
function imageFileView(arg: string, root: string, imageDir: string, services: ServiceAddresses): string {
  const rel = relative(root, arg);
  if (rel.startsWith('..') || rel === '' || !existsSync(arg) || !statSync(arg).isFile()) return arg;
  const text = readFileSync(arg, 'utf8');
  const mapped = mapServiceUrls(text, services);
  if (mapped === text) return arg;
  const copy = join(imageDir, rel);
  mkdirSync(dirname(copy), { recursive: true });
  writeFileSync(copy, mapped);
  return copy;
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
