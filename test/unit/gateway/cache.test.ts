import { describe, expect, it } from 'vitest';
import { bearerMatches } from '../../../src/gateway/admin/auth.ts';
import { Coalescer } from '../../../src/gateway/cache/coalescer.ts';
import { predictionCacheKey } from '../../../src/gateway/cache/key.ts';
import { shouldRefreshEarly } from '../../../src/gateway/cache/xfetch.ts';

describe('XFetch early expiration', () => {
  it.each([
    // now, expiry, delta (compute ms), beta, u, refresh?
    [0, 60_000, 10, 1, 0.5, false], // far from expiry: never
    [60_000, 60_000, 10, 1, 0.99, true], // at expiry: always
    [59_990, 60_000, 10, 1, 0.3, true], // 10 ms before, -ln(0.3)*10 = 12 ms >= 10
    [59_990, 60_000, 10, 1, 0.5, false], // -ln(0.5)*10 = 6.9 ms < 10
    [59_990, 60_000, 10, 2, 0.5, true], // beta 2 refreshes earlier: 13.9 ms >= 10
    [59_000, 60_000, 10, 0, 0.0001, false], // beta 0 disables early refresh
  ])('now=%i expiry=%i delta=%i beta=%i u=%f -> %s', (now, expiry, delta, beta, u, expected) => {
    expect(shouldRefreshEarly(now, expiry, delta, beta, u)).toBe(expected);
  });

  it('refreshes more often the closer the key is to expiry (the stampede spreads out)', () => {
    const rate = (msBeforeExpiry: number) => {
      let refreshes = 0;
      for (let i = 1; i <= 1000; i++)
        if (shouldRefreshEarly(60_000 - msBeforeExpiry, 60_000, 20, 1, i / 1000)) refreshes++;
      return refreshes / 1000;
    };
    expect(rate(100)).toBeLessThan(rate(20));
    expect(rate(20)).toBeLessThan(rate(5));
    expect(rate(100)).toBeCloseTo(Math.exp(-5), 2);
  });
});

describe('request coalescing', () => {
  it('runs one computation for N concurrent callers of a key and shares its result', async () => {
    const coalescer = new Coalescer<number>();
    let calls = 0;
    const compute = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 10));
    const results = await Promise.all(Array.from({ length: 100 }, () => coalescer.run('k', compute)));
    expect(calls).toBe(1);
    expect(results.filter((r) => r.leader)).toHaveLength(1);
    expect(new Set(results.map((r) => r.value))).toEqual(new Set([1]));
    expect(coalescer.size).toBe(0);
  });

  it('shares a failure with every waiter, then lets the next caller try again', async () => {
    const coalescer = new Coalescer<number>();
    const failing = () => new Promise<number>((_, reject) => setTimeout(() => reject(new Error('down')), 5));
    const settled = await Promise.allSettled(Array.from({ length: 10 }, () => coalescer.run('k', failing)));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect((await coalescer.run('k', async () => 7)).value).toBe(7);
  });
});

describe('cache keys', () => {
  it('are equal for the same rows however the numbers were spelled, and differ by variant', () => {
    expect(predictionCacheKey('fraud', 'v1', [[1, 2.5]])).toBe(
      predictionCacheKey('fraud', 'v1', [[1.0, 2.5000000001]]),
    );
    expect(predictionCacheKey('fraud', 'v1', [[1, 2.5]])).not.toBe(predictionCacheKey('fraud', 'v2', [[1, 2.5]]));
    expect(predictionCacheKey('fraud', 'v1', [[1, 2.5]])).not.toBe(predictionCacheKey('fraud', 'v1', [[2.5, 1]]));
    // -0 and 0 are the same input to the model.
    expect(predictionCacheKey('fraud', 'v1', [[-0, 2.5]])).toBe(predictionCacheKey('fraud', 'v1', [[0, 2.5]]));
    // Distinct float32 values stay distinct.
    expect(predictionCacheKey('fraud', 'v1', [[1, 2.5]])).not.toBe(predictionCacheKey('fraud', 'v1', [[1, 2.5001]]));
  });

  it('key a small input by its float32 bytes (no hash) and a large batch by a fixed-length hash', () => {
    const row = [120.5, 3, 10, 9, 300, 40, 0, 1, 2, 1, 30, 5, 1];
    const one = predictionCacheKey('fraud', 'v1', [row]);
    expect(one).toBe(`pred:fraud:v1:r${Buffer.from(new Float32Array(row).buffer).toString('base64url')}`);
    const batch = Array.from({ length: 32 }, (_, i) => row.map((v) => v + i));
    const big = predictionCacheKey('fraud', 'v1', batch);
    expect(big).toMatch(/^pred:fraud:v1:h[\w-]{32}$/);
    // The scratch buffer grown for the batch must not leak into the next small key.
    expect(predictionCacheKey('fraud', 'v1', [row])).toBe(one);
    expect(predictionCacheKey('fraud', 'v1', batch)).toBe(big);
    expect(predictionCacheKey('fraud', 'v1', [batch[1] as number[]])).not.toBe(one);
  });
});

describe('admin bearer token', () => {
  it.each([
    ['Bearer s3cret', true],
    ['bearer s3cret', true],
    ['Bearer s3cret2', false],
    ['Bearer ', false],
    ['s3cret', false],
    [undefined, false],
  ])('%s -> %s', (header, expected) => {
    expect(bearerMatches(header, 's3cret')).toBe(expected);
  });

  it('never matches when no token is configured (admin API disabled)', () => {
    expect(bearerMatches('Bearer ', '')).toBe(false);
  });
});
