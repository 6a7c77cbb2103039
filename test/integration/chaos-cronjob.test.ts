import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POD_ROOT_ENV } from '../../src/adapters/chaos/kubernetes-pods.ts';
import { applyObjects, manifestObjects } from '../../src/adapters/kubernetes/apply.ts';
import type { Daemon } from '../../src/adapters/process/daemon.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import { startPushgateway } from '../../src/adapters/process/pushgateway-server.ts';
import { inClusterServices, serviceAddresses } from '../../src/core/cluster/service-addresses.ts';
import { defaultFeatureRecord, featureSchemaFile } from '../../src/core/spec/feature-schema.ts';
import { chaosTargetOf } from '../../src/core/spec/kinds/chaos-target.ts';
import { parseSpec, stackOf } from '../../src/core/spec/parse.ts';
import { type JobPodRunner, jobFromCronJob, startJobPodRunner } from '../../src/services/cluster/job-pods.ts';
import {
  type ServingCluster,
  startServingCluster,
  TRITON_SELECTOR,
} from '../../src/services/cluster/serving-cluster.ts';
import { OpenLoad } from '../../src/services/load/open-load.ts';

/**
 * The generated chaos CronJob (chaos/k8s/cronjobs.yaml) on the real control plane, end to end:
 * two Triton pods of the generated Deployment run as local tritonserver processes (pod bridge)
 * behind a gateway that finds them by pod watch, under load. A Job made from the CronJob as
 * `kubectl create job --from=cronjob/...` does; the Job controller's pod runs as a local
 * `steadystate chaos run` with the in-cluster environment (KUBERNETES_SERVICE_HOST/PORT, the
 * pod-bound ServiceAccount token) and the in-cluster Service URLs mapped to the local ones; it
 * really deletes a Triton pod (its process is killed, the replacement's started), holds, and
 * the pod ends Succeeded. Its result reaches a real Pushgateway, and a real Prometheus
 * evaluates the generated alerts/chaos.rules.yml on it: "result missing" clears for the run
 * experiment (and only for it), "failed" stays silent.
 */
const root = paths.root();
const spec = parseSpec(readFileSync(join(root, 'steadystate.yaml'), 'utf8'));
const stack = stackOf(spec);
const NAMESPACE = stack.spec.kubernetes.namespace;
const ADMIN_TOKEN = 'cronjob-test-token';
const EXPERIMENT = 'k8s-gpu-pod-kill';

let serving: ServingCluster;
let pushgateway: Daemon;
let prometheus: PrometheusServer;
let runner: JobPodRunner | undefined;
let load: OpenLoad | undefined;

beforeAll(async () => {
  [serving, pushgateway] = await Promise.all([
    startServingCluster({ stack: stack.spec, modelLoadMs: 2_000, log: () => {}, adminToken: ADMIN_TOKEN }),
    startPushgateway(),
  ]);
  prometheus = await startPrometheus({
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    jobs: [
      { job: 'gateway', targets: [new URL(serving.gateway.url).host] },
      { job: 'pushgateway', targets: [new URL(pushgateway.url).host], honorLabels: true },
    ],
    ruleFiles: [join(root, 'alerts', 'chaos.rules.yml')],
  });
  const kc = serving.cluster.kubeConfig;
  await applyObjects(kc, [
    ...manifestObjects(readFileSync(join(root, 'chaos', 'k8s', 'cronjobs.yaml'), 'utf8')),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'steadystate-admin-token', namespace: NAMESPACE },
      stringData: { token: ADMIN_TOKEN },
    } as never,
  ]);
  // The operator shortens this run's waits (warm-up, pause, settle) with the CLI's own
  // --time-scale, edited into the CronJob as `kubectl edit cronjob` would: the test's budget.
  const batch = kc.makeApiClient(BatchV1Api);
  const cron = await batch.readNamespacedCronJob({ name: `chaos-${EXPERIMENT}`, namespace: NAMESPACE });
  const container = cron.spec?.jobTemplate.spec?.template.spec?.containers[0];
  container?.args?.push('--time-scale', '0.5');
  await batch.replaceNamespacedCronJob({ name: `chaos-${EXPERIMENT}`, namespace: NAMESPACE, body: cron });

  runner = await startJobPodRunner({
    kubeConfig: kc,
    namespace: NAMESPACE,
    services: serviceAddresses(inClusterServices(stack, chaosTargetOf(spec)), {
      gateway: serving.gateway.url,
      prometheus: prometheus.url,
      pushgateway: pushgateway.url,
    }),
  });
  // The cluster's users: distinct transactions, so the cache cannot hide a Triton failure.
  const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
  const base = defaultFeatureRecord(schema);
  let i = 0;
  load = new OpenLoad({
    url: serving.gateway.url,
    ratePerSecond: 20,
    next: () => ({
      userId: `cron-${i}`,
      features: { ...base, amount: 10 + (i++ % 5000) * 0.37 },
      kind: 'fresh',
      fraudLike: false,
    }),
    timeoutMs: 5_000,
  }).start();
}, 240_000);
afterAll(async () => {
  await load?.stop(1_000).catch(() => undefined);
  await runner?.stop();
  await prometheus?.stop();
  await pushgateway?.stop();
  await serving?.stop();
});

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Alert {
  labels: Record<string, string>;
  state: string;
}
async function alerts(): Promise<Alert[]> {
  const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } };
  return body.data.alerts;
}
const named = (all: Alert[], name: string) =>
  all
    .filter((a) => a.labels.alertname === name)
    .map((a) => `${a.labels.experiment} ${a.state}`)
    .sort();

describe('a Job from the generated chaos CronJob', () => {
  it('runs chaos run in-cluster: a bridged Triton pod is deleted and replaced, the run holds, Prometheus sees the result', async () => {
    const kc = serving.cluster.kubeConfig;
    const core = kc.makeApiClient(CoreV1Api);
    const batch = kc.makeApiClient(BatchV1Api);
    // Before any run, both schedules' results are missing (pending their 4d `for`).
    await until('the chaos rules evaluated', async () =>
      named(await alerts(), 'ChaosExperimentResultMissing').length === 2 ? true : undefined,
    );
    const before = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: TRITON_SELECTOR })).items.map(
      (p) => p.metadata?.name ?? '',
    );
    expect(before).toHaveLength(2);
    const startedMs = Date.now();

    const job = await jobFromCronJob(kc, NAMESPACE, `chaos-${EXPERIMENT}`, 'gpu-pod-kill-manual');
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: `chaos-${EXPERIMENT}` });
    expect(job.metadata?.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');

    // The Job controller sees the pod succeed (the bridge wrote exit code 0 into its status).
    const complete = await until(
      'the Job to complete',
      async () => {
        const got = await batch.readNamespacedJob({ name: 'gpu-pod-kill-manual', namespace: NAMESPACE });
        const failed = got.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
        if (failed) throw new Error(`the Job failed: ${failed.reason}: ${runner?.runs.at(-1)?.output}`);
        return got.status?.conditions?.find((c) => c.type === 'Complete' && c.status === 'True');
      },
      150_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${runner?.runs.map((r) => r.output).join('\n---\n')}`);
    });
    expect(complete.status).toBe('True');
    const run = runner?.runs.find((r) => r.pod.startsWith('gpu-pod-kill-manual-'));
    expect(run?.exitCode, run?.output).toBe(0);
    // In-cluster: the API server through KUBERNETES_SERVICE_*, the token under the pod root.
    const server = new URL(kc.getCurrentCluster()?.server ?? '');
    expect(run?.inCluster).toMatchObject({
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port,
    });
    expect(run?.inCluster[POD_ROOT_ENV]).toBeTruthy();
    // The container's arguments: /app = this checkout, the Pushgateway Service = the local one,
    // the spec a copy whose ChaosTarget URLs name the local Prometheus and gateway.
    expect(run?.argv).toEqual(
      expect.arrayContaining([
        'chaos',
        'run',
        join(root, 'chaos', 'experiments', `${EXPERIMENT}.yaml`),
        pushgateway.url,
      ]),
    );
    const specArg = run?.argv[run.argv.indexOf('--spec') + 1] ?? '';
    expect(specArg).not.toBe(join(root, 'steadystate.yaml'));
    // It really acted on the cluster: one bridged Triton pod deleted, its replacement serving.
    expect(run?.output).toMatch(/deleted 1 of 2 eligible pods \(fraud-serving-triton-[^)]+\) in steadystate/);
    expect(run?.output).toMatch(new RegExp(`${EXPERIMENT}: completed;.*recovery`));
    const after = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: TRITON_SELECTOR })).items
      .filter((p) => !p.metadata?.deletionTimestamp)
      .map((p) => p.metadata?.name ?? '');
    expect(after.filter((n) => before.includes(n))).toHaveLength(1);
    const events = serving.bridge.events.filter((e) => e.at >= startedMs);
    const deleted = before.find((n) => !after.includes(n)) ?? '';
    expect(events.some((e) => e.pod === deleted && e.kind === 'stopped')).toBe(true);
    const replacement = after.find((n) => !before.includes(n)) ?? '';
    expect(events.some((e) => e.pod === replacement && e.kind === 'started')).toBe(true);
    const pod = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'job-name=gpu-pod-kill-manual' }))
      .items[0];
    expect(pod?.status?.phase).toBe('Succeeded');
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);

    // The pushed result, then the generated alerts evaluated on it by Prometheus.
    const metrics = await (await fetch(`${pushgateway.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`chaos_experiment_success\\{[^}]*experiment="${EXPERIMENT}"[^}]*\\} 1`));
    expect(metrics).toMatch(new RegExp(`chaos_experiment_recovery_seconds\\{[^}]*experiment="${EXPERIMENT}"`));
    const settled = await until('the result missing alert to clear for the run experiment', async () => {
      const all = await alerts();
      return named(all, 'ChaosExperimentResultMissing').length === 1 ? all : undefined;
    });
    expect(named(settled, 'ChaosExperimentResultMissing')).toEqual(['k8s-latency-500ms pending']);
    expect(named(settled, 'ChaosExperimentFailed')).toEqual([]);
    expect(named(settled, 'ChaosExperimentNotRun')).toEqual([]);
    // The traffic during the run: every request answered well.
    const result = await load?.stop(5_000);
    load = undefined;
    const bad = (result?.records ?? []).filter((r) => r.status !== 200);
    expect(bad.map((r) => `${r.status} ${r.servedBy} ${r.error ?? ''}`)).toEqual([]);
  }, 200_000);
});
