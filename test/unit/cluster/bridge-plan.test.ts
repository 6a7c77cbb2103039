import { describe, expect, it } from 'vitest';
import { planBridge } from '../../../src/core/cluster/bridge-plan.ts';

const pod = (uid: string, over: { nodeName?: string; terminating?: boolean } = {}) => ({
  uid,
  name: `triton-${uid}`,
  nodeName: 'gpu-node-1',
  terminating: false,
  ...over,
});

describe('planBridge', () => {
  it('starts a process for each pod bound to a node that has none', () => {
    expect(planBridge([pod('a'), pod('b')], new Set(['a'])).start.map((p) => p.uid)).toEqual(['b']);
  });
  it('waits for the scheduler: a pod without a node gets no process yet', () => {
    expect(planBridge([{ uid: 'a', name: 'triton-a', terminating: false }], new Set()).start).toEqual([]);
  });
  it('stops the process of a pod that is terminating or gone, and only those', () => {
    const plan = planBridge([pod('a', { terminating: true }), pod('c')], new Set(['a', 'b', 'c']));
    expect(plan.stop).toEqual(['a', 'b']);
    expect(plan.start).toEqual([]);
  });
});
