import { describe, expect, it } from 'vitest';
import type { PodEvent, PodsApi } from '../../../src/adapters/chaos/kubernetes-pods.ts';
import type { PodView } from '../../../src/core/chaos/pod-selection.ts';
import { chaosTargetSpec } from '../../../src/core/spec/kinds/chaos-target.ts';
import { deletePodsAndWait } from '../../../src/services/chaos/providers/kubernetes.ts';

/**
 * A watch the API server ends early (an expired resourceVersion, an API server restart):
 * the driver lists again and watches from there. A real API server cannot be made to drop
 * a watch on cue, so this one case runs on an in-memory pods port whose first watch ends at once.
 */
class DroppingPods implements PodsApi {
  pods: PodView[] = [0, 1].map((i) => ({
    name: `t-${i}`,
    uid: `u-${i}`,
    annotations: { 'steadystate.dev/chaos': 'true' },
    ready: true,
    terminating: false,
  }));
  calls: string[] = [];
  private watches = 0;
  async list() {
    this.calls.push('list');
    return { pods: this.pods.map((p) => ({ ...p })), resourceVersion: String(this.calls.length) };
  }
  async delete(_ns: string, name: string) {
    this.calls.push(`delete ${name}`);
    this.pods = this.pods.filter((p) => p.name !== name);
    // The ReplicaSet's replacement, Ready 200 ms later.
    setTimeout(
      () => this.pods.push({ name: 't-new', uid: 'u-new', annotations: {}, ready: true, terminating: false }),
      200,
    );
  }
  async watch(
    _ns: string,
    _sel: string,
    _rv: string,
    onEvent: (type: PodEvent, pod: PodView) => void,
    signal: AbortSignal,
  ) {
    this.calls.push('watch');
    if (++this.watches === 1) return; // dropped by the server before any event
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const fresh = this.pods.find((p) => p.name === 't-new');
        if (fresh) onEvent('ADDED', fresh);
        if (fresh || signal.aborted) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
  }
}

describe('pod-delete recovery wait', () => {
  it('lists again and watches on when the server ends the watch', async () => {
    const api = new DroppingPods();
    const target = chaosTargetSpec.parse({ cluster: { namespaces: ['steadystate'] } });
    const result = await deletePodsAndWait(
      api,
      {
        type: 'pod-delete',
        namespace: 'steadystate',
        labelSelector: 'app=t',
        mode: 'one',
        seed: 1,
        waitReady: true,
        readyTimeout: '5s',
      },
      target,
      chaosTargetSpec.shape.blastRadius.parse({}),
      new AbortController().signal,
    );
    expect(result.detail).toMatch(/2 pods Ready again/);
    const afterDelete = api.calls.slice(api.calls.findIndex((c) => c.startsWith('delete')));
    expect(afterDelete.filter((c) => c === 'watch')).toHaveLength(2);
    expect(afterDelete.indexOf('list')).toBeGreaterThan(afterDelete.indexOf('watch'));
  });
});
