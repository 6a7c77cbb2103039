import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  faultTrafficShare,
  refuseFaultBlastRadius,
  refuseLocalTarget,
  refuseNonLoopback,
} from '../../../src/core/chaos/guards.ts';
import { type PodView, seededShuffle, selectPods } from '../../../src/core/chaos/pod-selection.ts';
import type { PodDeleteAction } from '../../../src/core/spec/kinds/chaos/actions.ts';
import { chaosTargetSpec } from '../../../src/core/spec/kinds/chaos-target.ts';

const limits = (over: Record<string, number> = {}) => chaosTargetSpec.shape.blastRadius.parse(over);
const pod = (i: number, over: Partial<PodView> = {}): PodView => ({
  name: `triton-${i}`,
  uid: `uid-${i}`,
  annotations: { 'steadystate.dev/chaos': 'true' },
  ready: true,
  terminating: false,
  ...over,
});
const action = (over: Partial<PodDeleteAction> = {}): PodDeleteAction => ({
  type: 'pod-delete',
  namespace: 'steadystate',
  labelSelector: 'app=triton',
  mode: 'one',
  seed: 1,
  waitReady: true,
  readyTimeout: '10m',
  ...over,
});
const select = (pods: PodView[], a: Partial<PodDeleteAction> = {}, l: Record<string, number> = {}) =>
  selectPods({
    action: action(a),
    pods,
    allowedNamespaces: ['steadystate'],
    optInAnnotation: 'steadystate.dev/chaos',
    limits: limits(l),
  });

describe('selectPods', () => {
  it.each<[string, PodView[], Partial<PodDeleteAction>, Record<string, number>, number | RegExp]>([
    ['one of three', [pod(1), pod(2), pod(3)], {}, {}, 1],
    ['fixed 2 of 5', [1, 2, 3, 4, 5].map((i) => pod(i)), { mode: 'fixed', value: 2 }, { maxPods: 2 }, 2],
    [
      'percent 50 of 5 is 2 (rounded down)',
      [1, 2, 3, 4, 5].map((i) => pod(i)),
      { mode: 'percent', value: 50 },
      { maxPods: 3 },
      2,
    ],
    ['percent 10 of 3 is still 1', [pod(1), pod(2), pod(3)], { mode: 'percent', value: 10 }, {}, 1],
    [
      'only opted-in pods are eligible',
      [pod(1), pod(2, { annotations: {} }), pod(3)],
      { mode: 'fixed', value: 1 },
      {},
      1,
    ],
    [
      'a namespace outside the allow-list',
      [pod(1), pod(2)],
      { namespace: 'payments' },
      {},
      /namespace payments is not in ChaosTarget spec\.cluster\.namespaces/,
    ],
    [
      'nobody opted in',
      [pod(1, { annotations: {} })],
      {},
      {},
      /no pod matching "app=triton" in steadystate is Ready and opted in/,
    ],
    [
      'terminating and unready pods are not eligible',
      [pod(1, { terminating: true }), pod(2, { ready: false })],
      {},
      {},
      /is Ready and opted in \(2 matched, 0 Ready/,
    ],
    [
      'above maxPods',
      [1, 2, 3, 4].map((i) => pod(i)),
      { mode: 'fixed', value: 2 },
      { maxPods: 1 },
      /above blastRadius\.maxPods 1/,
    ],
    ['above maxPodPercent', [pod(1), pod(2)], {}, { maxPodPercent: 40 }, /50%, above blastRadius\.maxPodPercent 40%/],
    ['leaving too few Ready', [pod(1), pod(2)], {}, { keepReady: 2 }, /leave 1, below blastRadius\.keepReady 2/],
    [
      'more than there are',
      [pod(1), pod(2)],
      { mode: 'fixed', value: 3 },
      { maxPods: 5, maxPodPercent: 100, keepReady: 0 },
      /wants 3 pods but only 2 are eligible|is 150%/,
    ],
  ])('%s', (_name, pods, a, l, expected) => {
    const s = select(pods, a, l);
    if (typeof expected === 'number') {
      expect(s.kind).toBe('selected');
      expect(s.kind === 'selected' && s.pods).toHaveLength(expected);
      expect(s.kind === 'selected' && s.pods.every((p) => p.annotations['steadystate.dev/chaos'] === 'true')).toBe(
        true,
      );
    } else {
      expect(s.kind).toBe('refused');
      expect(s.kind === 'refused' && s.why).toMatch(expected);
    }
  });

  it('the same seed picks the same pods whatever order the API lists them in; another seed may differ', () => {
    const pods = [1, 2, 3, 4, 5, 6].map((i) => pod(i));
    const names = (ps: PodView[], seed: number) => {
      const s = select(ps, { seed });
      return s.kind === 'selected' ? s.pods.map((p) => p.name) : [];
    };
    expect(names([...pods].reverse(), 11)).toEqual(names(pods, 11));
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => names(pods, seed)[0])).size).toBeGreaterThan(1);
  });

  it('seededShuffle is a permutation (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer(), (xs, seed) => {
        const out = seededShuffle(xs, seed);
        return (
          out.length === xs.length && [...out].sort((a, b) => a - b).join() === [...xs].sort((a, b) => a - b).join()
        );
      }),
    );
  });
});

describe('gateway fault blast radius', () => {
  const weights = { v1: 80, v2: 20 };
  it.each<[string, { variant: string; probability: number }[], number]>([
    ['all of the challenger', [{ variant: 'v2', probability: 1 }], 0.2],
    ['half of the champion', [{ variant: 'v1', probability: 0.5 }], 0.4],
    ['every variant', [{ variant: '*', probability: 0.3 }], 0.3],
    [
      'both variants in full',
      [
        { variant: 'v1', probability: 1 },
        { variant: 'v2', probability: 1 },
      ],
      1,
    ],
    ['the fallback model reaches every request that falls back', [{ variant: 'fallback', probability: 1 }], 1],
  ])('%s', (_name, faults, share) => {
    expect(faultTrafficShare(faults, weights)).toBeCloseTo(share, 12);
  });

  it('refuses a fault set above maxTrafficShare, naming both numbers', () => {
    expect(
      refuseFaultBlastRadius([{ variant: 'v1', probability: 1 }], weights, limits({ maxTrafficShare: 0.25 })),
    ).toMatch(/reach 80\.0% of requests .* above blastRadius\.maxTrafficShare 25\.0%/);
    expect(
      refuseFaultBlastRadius([{ variant: 'v2', probability: 1 }], weights, limits({ maxTrafficShare: 0.25 })),
    ).toBeUndefined();
  });
});

describe('local guards', () => {
  it.each([
    ['http://127.0.0.1:8080', undefined],
    ['http://localhost:8000', undefined],
    ['http://[::1]:9090', undefined],
    ['http://10.0.0.5:8080', /not on this machine; target local acts on loopback addresses only/],
    ['http://gateway.steadystate.svc:8080', /not on this machine/],
  ])('%s', (url, expected) => {
    const r = refuseNonLoopback('the gateway', url);
    if (expected) expect(r).toMatch(expected);
    else expect(r).toBeUndefined();
  });

  it('refuses an action on a target the ChaosTarget allow-list leaves out', () => {
    expect(refuseLocalTarget({ type: 'redis-kill', redis: 'cache' }, ['gateway', 'triton-process'])).toMatch(
      /redis-kill acts on redis, which ChaosTarget spec\.local\.allow does not list \(gateway, triton-process\)/,
    );
    expect(
      refuseLocalTarget({ type: 'triton-kill', signal: 'SIGKILL' }, ['gateway', 'triton-process']),
    ).toBeUndefined();
  });
});
