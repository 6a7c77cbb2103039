import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, type AdaptiveLimitSettings } from '../../../src/gateway/overload/adaptive-limit.ts';

const SETTINGS: AdaptiveLimitSettings = { initial: 8, min: 2, max: 64, latencyTargetMs: 40, backoff: 0.9 };

type Op =
  | { kind: 'acquire' }
  | { kind: 'release'; latencyMs: number; outcome: 'success' | 'dropped' | 'ignore'; afterMs: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'acquire' }),
  fc.record({
    kind: fc.constant('release' as const),
    latencyMs: fc.double({ min: 0, max: 500, noNaN: true }),
    outcome: fc.constantFrom('success' as const, 'dropped' as const, 'ignore' as const),
    afterMs: fc.double({ min: 0, max: 100, noNaN: true }),
  }),
);

describe('the adaptive concurrency limit (AIMD on upstream latency)', () => {
  it('keeps the limit within [min, max] and never admits beyond it, whatever the calls do', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const limit = new AdaptiveLimit(SETTINGS);
        let admitted = 0;
        let now = 0;
        for (const o of ops) {
          if (o.kind === 'acquire') {
            const before = limit.limit;
            const ok = limit.tryAcquire();
            if (ok) admitted++;
            // Admitted iff there was room under the limit at that moment.
            expect(ok).toBe(admitted - (ok ? 1 : 0) < before);
            expect(limit.inflight).toBeLessThanOrEqual(before);
          } else if (admitted > 0) {
            now += o.afterMs;
            limit.release(o.latencyMs, o.outcome, now);
            admitted--;
          }
          expect(limit.limit).toBeGreaterThanOrEqual(SETTINGS.min);
          expect(limit.limit).toBeLessThanOrEqual(SETTINGS.max);
          expect(limit.inflight).toBe(admitted);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('shrinks to the minimum while calls are slow or fail, and refuses the excess at once', () => {
    const limit = new AdaptiveLimit(SETTINGS);
    for (let i = 0; i < 50; i++) {
      limit.tryAcquire();
      limit.release(i % 2 ? 200 : 5, i % 2 ? 'success' : 'dropped', i * 50);
    }
    expect(limit.limit).toBe(SETTINGS.min);
    expect([limit.tryAcquire(), limit.tryAcquire(), limit.tryAcquire()]).toEqual([true, true, false]);
  });

  it('grows to the maximum while the limit is in use and calls are fast', () => {
    const limit = new AdaptiveLimit(SETTINGS);
    for (let i = 0; i < 200; i++) {
      while (limit.tryAcquire()) {
        // fill the limit: the upstream is busy
      }
      limit.release(5, 'success', i);
    }
    expect(limit.limit).toBe(SETTINGS.max);
  });

  it('does not grow while the upstream is idle, nor move on calls that say nothing about its load', () => {
    const limit = new AdaptiveLimit(SETTINGS);
    for (let i = 0; i < 100; i++) {
      limit.tryAcquire();
      limit.release(5, 'success', i); // one call in flight of 8: not limited by the limit
      limit.tryAcquire();
      limit.release(500, 'ignore', i); // a bad row or an open circuit
    }
    expect(limit.limit).toBe(SETTINGS.initial);
  });

  it('shrinks at most once per latency target: a burst of slow answers is one congestion event', () => {
    const limit = new AdaptiveLimit({ ...SETTINGS, initial: 32 });
    for (let i = 0; i < 30; i++) {
      limit.tryAcquire();
      limit.release(200, 'success', 1_000 + i); // 30 slow answers within 30 ms
    }
    expect(limit.limit).toBe(Math.floor(32 * SETTINGS.backoff));
    limit.tryAcquire();
    limit.release(200, 'dropped', 1_000 + SETTINGS.latencyTargetMs);
    expect(limit.limit).toBe(Math.floor(32 * SETTINGS.backoff * SETTINGS.backoff));
  });

  it('refuses settings that cannot work, naming them', () => {
    expect(() => new AdaptiveLimit({ ...SETTINGS, initial: 100 })).toThrow(
      /initial must be between min \(2\) and max \(64\), got 100/,
    );
    expect(() => new AdaptiveLimit({ ...SETTINGS, backoff: 1 })).toThrow(/backoff must be in \(0, 1\)/);
  });
});
