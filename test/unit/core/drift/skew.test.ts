import { describe, expect, it } from 'vitest';
import { compareSkew, type SkewPair } from '../../../../src/core/drift/skew.ts';

const features = [
  { name: 'amount', type: 'numeric' as const },
  { name: 'channel', type: 'categorical' as const, categories: ['pos', 'online', 'atm'] },
];
const pair = (entity: string, online: SkewPair['online'], offline: SkewPair['offline']): SkewPair => ({
  entity,
  requestId: `r-${entity}`,
  online,
  offline,
});

describe('train/serve skew', () => {
  const report = compareSkew(
    [
      pair('u1', { amount: 10, channel: 'pos' }, { amount: 10, channel: 'pos' }),
      pair('u2', { amount: 10.0000001, channel: 1 }, { amount: '10', channel: 'online' }), // within rtol; code 1 = online
      pair('u3', { amount: 12.5, channel: 'atm' }, { amount: 10, channel: 'pos' }),
      pair('u4', { amount: 99, channel: 'pos' }, { amount: 9.9, channel: 'pos' }),
      pair('u5', { amount: null, channel: 'pos' }, { amount: 3, channel: '' }),
    ],
    features,
  );
  const byName = Object.fromEntries(report.features.map((f) => [f.feature, f]));

  it.each([
    ['amount', 4, 2, 0.5, 1, 0],
    ['channel', 4, 1, 0.25, 0, 1],
  ])(
    '%s: %d compared, %d mismatches (rate %d), %d missing online, %d missing offline',
    (name, compared, mismatches, rate, missingOnline, missingOffline) => {
      const f = byName[name];
      expect(f?.compared).toBe(compared);
      expect(f?.mismatches).toBe(mismatches);
      expect(f?.mismatchRate).toBeCloseTo(rate, 12);
      expect(f?.missingOnline).toBe(missingOnline);
      expect(f?.missingOffline).toBe(missingOffline);
    },
  );

  it('lists the largest differences first, with the entity and the request that showed them', () => {
    expect(byName.amount?.largest.map((d) => [d.entity, d.requestId, d.difference])).toEqual([
      ['u4', 'r-u4', 99 - 9.9],
      ['u3', 'r-u3', 2.5],
    ]);
  });

  it('counts every joined pair', () => {
    expect(report.pairs).toBe(5);
  });
});
