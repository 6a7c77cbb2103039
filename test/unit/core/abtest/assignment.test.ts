import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../../src/adapters/process/paths.ts';
import { assignmentBucket, assignVariant, murmur3x86_32 } from '../../../../src/core/abtest/assignment.ts';

const VECTORS: [string, number][] = [
  ['', 0],
  ['hello', 0],
  ['Hello, world!', 1234],
  ['The quick brown fox jumps over the lazy dog', 0],
  ['ab', 0],
  ['abc', 7],
  ['user-42:fraud', 0],
  ['é😀x', 3],
  ['数据-1234567', 99],
];

describe('MurmurHash3 x86_32', () => {
  it("matches sklearn.utils.murmurhash3_32 (the Triton venv's scikit-learn) over UTF-8", () => {
    const program =
      'import json, sys\nfrom sklearn.utils import murmurhash3_32\n' +
      'print(json.dumps([murmurhash3_32(s.encode("utf-8"), seed, positive=True) for s, seed in json.load(sys.stdin)]))';
    const expected = JSON.parse(
      execFileSync(paths.venvPython(), ['-c', program], { input: JSON.stringify(VECTORS), encoding: 'utf8' }),
    ) as number[];
    const encoder = new TextEncoder();
    expect(VECTORS.map(([s, seed]) => murmur3x86_32(encoder.encode(s), seed))).toEqual(expected);
  });
});

describe('assignVariant', () => {
  const weights = { v1: 80, v2: 20 };

  it('is a pure function: the same user, salt and weights always give the same variant', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (user, salt) => {
        const first = assignVariant(user, salt, weights);
        expect(assignVariant(user, salt, { ...weights })).toBe(first);
        expect(['v1', 'v2']).toContain(first);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees across processes (another node process computes the same assignments)', () => {
    const users = Array.from({ length: 200 }, (_, i) => `user-${i * 7919}`);
    const script = `import('${new URL('../../../../src/core/abtest/assignment.ts', import.meta.url).href}').then((m) => {
      const users = JSON.parse(process.argv[1]);
      console.log(JSON.stringify(users.map((u) => m.assignVariant(u, 'fraud-v2-rollout', { v1: 80, v2: 20 }))));
    })`;
    const other = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(users)], {
        encoding: 'utf8',
      }),
    ) as string[];
    expect(other).toEqual(users.map((u) => assignVariant(u, 'fraud-v2-rollout', weights)));
  });

  it('splits 10,000 users within 1 point of 80/20 for the gateway salt (the model name)', () => {
    let b = 0;
    for (let i = 0; i < 10_000; i++) if (assignVariant(`user-${i}`, 'fraud', weights) === 'v2') b++;
    expect(Math.abs(b / 10_000 - 0.2)).toBeLessThanOrEqual(0.01);
  });

  it('splits 10,000 users near 80/20 for any salt (within 5 standard errors)', () => {
    // The binomial SE at n = 10,000, p = 0.2 is 0.4 points, so "1 point" is only 2.5 SE and
    // would fail ~1% of random salts by chance; 5 SE (2 points) fails ~1 in 1.7 million.
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (salt) => {
        let b = 0;
        for (let i = 0; i < 10_000; i++) if (assignVariant(`user-${i}`, salt, weights) === 'v2') b++;
        expect(Math.abs(b / 10_000 - 0.2)).toBeLessThanOrEqual(0.02);
      }),
      { numRuns: 25 },
    );
  });

  it('moves nobody out of control when weight moves to control (a rollback reshuffles no A user)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 1, max: 100 }),
        (user, before, extra) => {
          const after = Math.min(100, before + extra);
          if (assignVariant(user, 's', { v1: before, v2: 100 - before }) === 'v1') {
            expect(assignVariant(user, 's', { v1: after, v2: 100 - after })).toBe('v1');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a variant at weight 0 gets nobody; 100/0 sends everyone to control', () => {
    for (let i = 0; i < 2000; i++) expect(assignVariant(`u${i}`, 'x', { v1: 100, v2: 0 })).toBe('v1');
    for (let i = 0; i < 2000; i++) expect(assignVariant(`u${i}`, 'x', { v1: 0, v2: 100 })).toBe('v2');
  });

  it('different salts give independent assignments (about 80%·20%·2 of users differ)', () => {
    let differ = 0;
    for (let i = 0; i < 10_000; i++) {
      if (assignVariant(`user-${i}`, 'exp-a', weights) !== assignVariant(`user-${i}`, 'exp-b', weights)) differ++;
    }
    expect(Math.abs(differ / 10_000 - 0.32)).toBeLessThan(0.02);
  });

  it('buckets lie in [0, 1)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (user, salt) => {
        const b = assignmentBucket(user, salt);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(1);
      }),
    );
  });

  it.each([
    [{ v1: -1, v2: 101 }, /weight of variant "v1" must be a finite number >= 0, got -1/],
    [{ v1: 0, v2: 0 }, /weights must include one above 0/],
    [{ v1: Number.NaN }, /weight of variant "v1" must be a finite number >= 0, got NaN/],
  ])('rejects weights %o by naming the variant', (bad, message) => {
    expect(() => assignVariant('u', 's', bad)).toThrow(message);
  });
});
