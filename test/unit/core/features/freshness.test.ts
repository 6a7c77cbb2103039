import { describe, expect, it } from 'vitest';
import { freshnessGaugesText, viewFreshness } from '../../../../src/core/features/freshness.ts';

const VIEWS = [
  { name: 'user_account', features: ['account_age_days'], ttlSeconds: 30 * 86_400 },
  { name: 'user_velocity', features: ['txn_count_24h'], ttlSeconds: 2 * 86_400 },
];

describe('feature view freshness', () => {
  it('is the age of the newest value, stale past the TTL or when nothing is online', () => {
    const now = 1_800_000_000;
    const rows = viewFreshness(VIEWS, { user_velocity: now - 2 * 86_400 - 1 }, now);
    expect(rows).toEqual([
      { view: 'user_account', ageSeconds: null, ttlSeconds: 30 * 86_400, stale: true },
      { view: 'user_velocity', ageSeconds: 172_801, ttlSeconds: 172_800, stale: true },
    ]);
    expect(viewFreshness(VIEWS, { user_velocity: now - 172_800 }, now)[1]?.stale).toBe(false);
  });

  it('exports one gauge per view with a value, and the materialization time', () => {
    const text = freshnessGaugesText('f', 'd', viewFreshness(VIEWS, { user_velocity: 90 }, 100), 2.5);
    expect(text).toContain('f{view="user_velocity"} 10\n');
    expect(text).not.toContain('view="user_account"');
    expect(text).toContain('d 2.5\n');
  });
});
