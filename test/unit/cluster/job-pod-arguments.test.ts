import { describe, expect, it } from 'vitest';
import { localArguments } from '../../../src/services/cluster/job-pods.ts';

describe('a chaos Job container run locally', () => {
  const container = {
    name: 'chaos',
    workingDir: '/app',
    args: [
      'chaos',
      'run',
      '/app/chaos/experiments/k8s-gpu-pod-kill.yaml',
      '--pushgateway',
      'http://prometheus-pushgateway.monitoring.svc:9091',
      '--journal',
      '/tmp/chaos/journal.json',
      '/application',
    ],
  };
  it('maps the working dir to the checkout, emptyDir mounts to their dirs and Services to local ports', () => {
    expect(
      localArguments(
        container,
        { '/tmp': '/var/tmp/pod-1/tmp' },
        { 'http://prometheus-pushgateway.monitoring.svc:9091': 'http://127.0.0.1:45000' },
        '/work/checkout',
      ),
    ).toEqual([
      'chaos',
      'run',
      '/work/checkout/chaos/experiments/k8s-gpu-pod-kill.yaml',
      '--pushgateway',
      'http://127.0.0.1:45000',
      '--journal',
      '/var/tmp/pod-1/tmp/chaos/journal.json',
      // Only whole path segments: /application is not under /app.
      '/application',
    ]);
  });
});
