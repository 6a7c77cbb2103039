import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects, manifestObjects } from '../../src/adapters/kubernetes/apply.ts';
import type { Daemon } from '../../src/adapters/process/daemon.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import { startPushgateway } from '../../src/adapters/process/pushgateway-server.ts';
import type { LocalCluster } from '../../src/services/cluster/cluster.ts';
import { type JobPodRunner, jobFromCronJob, startJobPodRunner } from '../../src/services/cluster/job-pods.ts';
import { startTestCluster } from './fixtures/cluster.ts';

/**
 * The generated chaos CronJob (chaos/k8s/cronjobs.yaml) on the real control plane: a Job made
 * from it as `kubectl create job --from=cronjob/...` does; the Job controller's pod runs as a
 * local `steadystate chaos run` with the pod's ServiceAccount token and env; its result goes
 * to a real Pushgateway, and a real Prometheus evaluates the generated alerts/chaos.rules.yml
 * on it. The run is refused at preflight here (no Triton pod to delete in the namespace: the
 * Deployment is not applied), which is a failed scheduled run: exactly what
 * ChaosExperimentFailed must page on, quickly.
 */
const NAMESPACE = 'steadystate';
const root = paths.root();

let cluster: LocalCluster;
let pushgateway: Daemon;
let prometheus: PrometheusServer;
let runner: JobPodRunner | undefined;

beforeAll(async () => {
  [cluster, pushgateway] = await Promise.all([startTestCluster(), startPushgateway()]);
  prometheus = await startPrometheus({
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    jobs: [{ job: 'pushgateway', targets: [new URL(pushgateway.url).host], honorLabels: true }],
    ruleFiles: [join(root, 'alerts', 'chaos.rules.yml')],
  });
  const manifest = (folder: string, name: string) =>
    manifestObjects(readFileSync(join(root, folder, 'k8s', name), 'utf8'));
  await applyObjects(cluster.kubeConfig, [
    ...manifest('serving', 'namespace.yaml'),
    ...manifest('chaos', 'rbac.yaml'),
    ...manifest('chaos', 'cronjobs.yaml'),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'steadystate-admin-token', namespace: NAMESPACE },
      stringData: { token: 'cronjob-test-token' },
    } as never,
  ]);
  runner = await startJobPodRunner({
    kubeConfig: cluster.kubeConfig,
    namespace: NAMESPACE,
    // The cluster's DNS names of the monitoring Services, as they run here.
    services: { 'http://prometheus-pushgateway.monitoring.svc:9091': pushgateway.url },
  });
}, 60_000);
afterAll(async () => {
  await runner?.stop();
  await prometheus?.stop();
  await pushgateway?.stop();
  await cluster?.stop();
});

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a Job from the generated chaos CronJob', () => {
  it('runs as a local chaos run with the pod identity; the failed result pages through Prometheus', async () => {
    const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
    const job = await jobFromCronJob(cluster.kubeConfig, NAMESPACE, 'chaos-k8s-gpu-pod-kill', 'gpu-pod-kill-manual');
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'chaos-k8s-gpu-pod-kill' });

    // The Job controller records the pod's failure (backoffLimit 0: one pod, one try).
    const failed = await until('the Job to fail', async () => {
      const got = await batch.readNamespacedJob({ name: 'gpu-pod-kill-manual', namespace: NAMESPACE });
      return got.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    });
    expect(failed.reason).toBe('BackoffLimitExceeded');
    const run = runner?.runs.find((r) => r.pod.startsWith('gpu-pod-kill-manual-'));
    expect(run?.exitCode).toBe(1);
    // The container's arguments, with /app = this checkout and the Pushgateway Service local.
    expect(run?.argv).toEqual(
      expect.arrayContaining([
        'chaos',
        'run',
        join(root, 'chaos', 'experiments', 'k8s-gpu-pod-kill.yaml'),
        pushgateway.url,
      ]),
    );
    // It listed pods as the chaos ServiceAccount (allowed by the Role) and found none to delete.
    expect(run?.output).toMatch(/refused before acting: .*no pod matching/);
    expect(run?.output).not.toMatch(/403|forbidden/i);
    const pod = (
      await cluster.kubeConfig
        .makeApiClient(CoreV1Api)
        .listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'job-name=gpu-pod-kill-manual' })
    ).items[0];
    expect(pod?.status?.phase).toBe('Failed');
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);

    // The pushed result, and the generated alerts evaluated on it.
    const metrics = await (await fetch(`${pushgateway.url}/metrics`)).text();
    expect(metrics).toMatch(/chaos_experiment_success\{[^}]*experiment="k8s-gpu-pod-kill"[^}]*\} 0/);
    const alerts = await until('ChaosExperimentFailed firing', async () => {
      const res = await fetch(`${prometheus.url}/api/v1/alerts`);
      const body = (await res.json()) as {
        data: { alerts: { labels: Record<string, string>; state: string }[] };
      };
      return body.data.alerts.some(
        (a) =>
          a.labels.alertname === 'ChaosExperimentFailed' &&
          a.labels.experiment === 'k8s-gpu-pod-kill' &&
          a.state === 'firing',
      )
        ? body.data.alerts
        : undefined;
    });
    // "Missing" is about the experiment that never pushed (pending: it waits out its 4d `for`).
    const missing = alerts.filter((a) => a.labels.alertname === 'ChaosExperimentResultMissing');
    expect(missing.map((a) => `${a.labels.experiment} ${a.state}`)).toEqual(['k8s-latency-500ms pending']);
    expect(alerts.some((a) => a.labels.alertname === 'ChaosExperimentNotRun')).toBe(false);
  });
});
