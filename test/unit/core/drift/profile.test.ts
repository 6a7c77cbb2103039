import { describe, expect, it } from 'vitest';
import { ProfileFormatError, parseReferenceProfile } from '../../../../src/core/drift/profile.ts';
import { referenceProfile } from './fixtures/synthetic.ts';

const profile = referenceProfile(20_000, 3);

function problem(mutate: (p: Record<string, unknown>) => void): string {
  const copy = JSON.parse(JSON.stringify(profile)) as Record<string, unknown>;
  mutate(copy);
  try {
    parseReferenceProfile(copy, 'test.json');
  } catch (error) {
    if (error instanceof ProfileFormatError) return error.message;
    throw error;
  }
  throw new Error('expected the profile to be rejected');
}

describe('reference profile', () => {
  it('is deterministic: the same data and seed give the same JSON', () => {
    expect(JSON.stringify(referenceProfile(20_000, 3))).toBe(JSON.stringify(profile));
  });

  it('survives a JSON round trip through the loader', () => {
    expect(parseReferenceProfile(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
  });

  it('bins a continuous feature at reference deciles, a count per value, a category per name', () => {
    const byName = Object.fromEntries(profile.features.map((f) => [f.name, f]));
    const normal = byName.score_like;
    const count = byName.txn_count;
    const channel = byName.channel;
    if (normal?.type !== 'numeric' || count?.type !== 'numeric' || channel?.type !== 'categorical')
      throw new Error('fixture');
    expect(normal.kind).toBe('continuous');
    expect(normal.lower).toHaveLength(10);
    for (const c of normal.counts) expect(Math.abs(c - 2000)).toBeLessThanOrEqual(1);
    expect(count.kind).toBe('discrete');
    expect(count.lower).toEqual(count.means); // a discrete bin's centroid is its value
    expect(channel.counts.reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(profile.labels?.n).toBe(20_000);
  });

  it('keeps a sorted, bounded reservoir sample per numeric feature', () => {
    for (const f of profile.features) {
      if (f.type !== 'numeric') continue;
      expect(f.sample).toHaveLength(2000);
      expect([...f.sample].sort((a, b) => a - b)).toEqual(f.sample);
    }
  });

  it.each<[string, (p: Record<string, unknown>) => void, RegExp]>([
    ['another version', (p) => (p.version = 2), /version.*rebuild it/s],
    ['another format', (p) => (p.format = 'x'), /format/],
    [
      'bin edges that do not increase',
      (p) => ((p.features as { lower: number[] }[])[0] as { lower: number[] }).lower.reverse(),
      /features\.0\.lower\.1: bin edges must increase strictly/,
    ],
    [
      'counts that do not match the bins',
      (p) => ((p.features as { counts: number[] }[])[0] as { counts: number[] }).counts.pop(),
      /features\.0\.counts: has 9 entries for 10 bins/,
    ],
    [
      'a category named like a reserved bin',
      (p) =>
        ((p.features as { categories?: string[] }[])[4] as { categories: string[] }).categories.splice(0, 1, 'unseen'),
      /unseen cannot be a category name/,
    ],
    ['an unknown field', (p) => (p.extra = 1), /Unrecognized key.*extra|extra/],
  ])('rejects %s, naming the field', (_name, mutate, expected) => {
    expect(problem(mutate)).toMatch(expected);
  });
});
