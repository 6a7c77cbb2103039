import { describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../../../src/adapters/files/experiment-file.ts';
import { paths } from '../../../src/adapters/process/paths.ts';
import { timeline } from '../../../src/core/chaos/plan.ts';
import { applyShift, ENTITY_FEATURES, TrafficGenerator } from '../../../src/core/chaos/traffic.ts';
import { requestFeatures } from '../../../src/services/chaos/built-in-load.ts';

const rows = Array.from({ length: 2_000 }, (_, i) => ({
  amount: 10 + i,
  hour: i % 24,
  account_age_days: 100 + i,
  txn_count_24h: 2,
  distance_from_home_km: 5,
  avg_amount_30d: 50,
  card_present: 1,
  foreign_transaction: 0,
  failed_logins_24h: 0,
  device_age_days: 30,
  customer_age: 40,
  merchant_category: 'grocery',
  channel: 'pos',
}));

describe('the built-in load', () => {
  it('draws hot, repeat and new requests in the configured shares, the same for the same seed', () => {
    const mix = { users: 100, repeatShare: 0.3, hotShare: 0.5, hotKeys: 5, seed: 9 };
    const a = new TrafficGenerator(rows, mix);
    const draws = Array.from({ length: 20_000 }, () => a.next());
    const share = (kind: string) => draws.filter((d) => d.kind === kind).length / draws.length;
    expect(share('hot')).toBeCloseTo(0.5, 1);
    expect(share('repeat')).toBeCloseTo(0.3, 1);
    expect(share('new')).toBeCloseTo(0.2, 1);
    expect(new Set(draws.filter((d) => d.kind === 'hot').map((d) => d.userId)).size).toBe(5);
    // New transactions never repeat a cache key; every request comes from a known user.
    const fresh = draws.filter((d) => d.kind === 'new').map((d) => JSON.stringify(d.features));
    expect(new Set(fresh).size).toBe(fresh.length);
    const known = new Set(a.knownUsers().map((u) => u.userId));
    expect(draws.every((d) => known.has(d.userId))).toBe(true);
    const b = new TrafficGenerator(rows, mix);
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(draws.slice(0, 100));
  });

  it('a shift scales and sets features while it lasts', () => {
    const g = new TrafficGenerator(rows, { users: 10, repeatShare: 1, hotShare: 0, hotKeys: 1, seed: 1 });
    g.shift = { scale: { amount: 4 }, set: { foreign_transaction: 1, channel: 'online' } };
    const r = g.next();
    const original = rows[Number(r.userId.replace('chaos-user-', ''))]!;
    expect(r.features).toMatchObject({
      amount: original.amount * 4,
      foreign_transaction: 1,
      channel: 'online',
      hour: original.hour,
    });
    expect(applyShift(original, undefined)).toBe(original);
  });

  it('with the feature store, requests carry only the transaction features', () => {
    const sent = requestFeatures(rows[0]!);
    for (const f of ENTITY_FEATURES) expect(sent).not.toHaveProperty(f);
    expect(sent).toHaveProperty('amount');
  });
});

describe('timeline: the time scale shrinks waits and targets, never the measuring windows', () => {
  const doc = loadExperimentFile(`${paths.root()}/chaos/experiments/gpu-server-crash.yaml`);
  it.each([
    [1, 10, 60],
    [0.3, 3, 18],
  ])('at scale %f the fault lasts %f s and recovery is due within %f s', (scale, fault, recovery) => {
    const t = timeline(doc.spec, scale);
    expect(t.steps[0]?.duration).toBeCloseTo(fault, 10);
    expect(t.recoveryWithin).toBeCloseTo(recovery, 10);
    expect(t.windowSeconds).toBe(3);
    expect(t.intervalSeconds).toBe(0.5);
    expect(t.maxSeconds).toBeGreaterThan(t.warmupSeconds + fault + recovery);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a time scale of %f', (scale) => {
    expect(() => timeline(doc.spec, scale)).toThrow(/timeScale must be in \(0, 1\]/);
  });
});
