import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignVariant as assignByRecord } from '../../../src/core/abtest/assignment.ts';
import { WeightsStore } from '../../../src/gateway/routing/weights.ts';

const assignVariant = (user: string, salt: string, split: readonly { name: string; weight: number }[]) =>
  assignByRecord(user, salt, Object.fromEntries(split.map((v) => [v.name, v.weight])));

const SPLIT = [
  { name: 'v1', weight: 80 },
  { name: 'v2', weight: 20 },
];

describe('assignment by user hash', () => {
  it('splits 10,000 users within 1 point of 80/20', () => {
    let v2 = 0;
    for (let i = 0; i < 10_000; i++) if (assignVariant(`user-${i}`, 'fraud', SPLIT) === 'v2') v2++;
    expect(Math.abs(v2 / 10_000 - 0.2)).toBeLessThan(0.01);
  });

  it('gives a user the same variant every time (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (user) => {
        expect(assignVariant(user, 'fraud', SPLIT)).toBe(assignVariant(user, 'fraud', SPLIT));
      }),
    );
  });

  it('moves only users of the shrinking variant when weights change (monotone buckets)', () => {
    const shifted = [
      { name: 'v1', weight: 90 },
      { name: 'v2', weight: 10 },
    ];
    for (let i = 0; i < 2_000; i++) {
      const before = assignVariant(`u${i}`, 'fraud', SPLIT);
      const after = assignVariant(`u${i}`, 'fraud', shifted);
      if (before === 'v1') expect(after).toBe('v1');
    }
  });

  it.each([
    [{ v1: 100, v2: 0 }, 'v1'],
    [{ v1: 0, v2: 100 }, 'v2'],
  ])('sends everyone to one variant at %o', (weights, only) => {
    const store = new WeightsStore([{ name: 'fraud', variants: SPLIT }]);
    store.set('fraud', weights);
    for (let i = 0; i < 500; i++) expect(assignVariant(`x${i}`, 'fraud', store.get('fraud'))).toBe(only);
  });

  it('names the sole live variant (routing then skips the hash) and none while traffic is split', () => {
    const store = new WeightsStore([{ name: 'fraud', variants: SPLIT }]);
    expect(store.soleVariant('fraud')).toBeUndefined();
    store.set('fraud', { v1: 0, v2: 100 });
    expect(store.soleVariant('fraud')).toBe('v2');
    store.set('fraud', { v1: 100, v2: 0 });
    expect(store.soleVariant('fraud')).toBe('v1');
    store.set('fraud', { v1: 50, v2: 50 });
    expect(store.soleVariant('fraud')).toBeUndefined();
  });

  it.each([
    ['weights not adding to 100', { v1: 50, v2: 20 }, /add up to 70/],
    ['an unknown variant', { v1: 80, v3: 20 }, /unknown variant "v3"/],
    ['a missing variant', { v1: 100 }, /missing v2/],
    ['a weight out of range', { v1: 120, v2: -20 }, /weights\.v1 must be a number from 0 to 100/],
  ])('refuses %s with a message naming it', (_name, weights, message) => {
    const store = new WeightsStore([{ name: 'fraud', variants: SPLIT }]);
    expect(() => store.set('fraud', weights)).toThrow(message);
    expect(store.asRecord('fraud')).toEqual({ v1: 80, v2: 20 });
  });
});
