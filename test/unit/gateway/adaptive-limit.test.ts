import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, type AdaptiveLimitSettings } from '../../../src/gateway/overload/adaptive-limit.ts';

const SETTINGS: AdaptiveLimitSettings = { initial: 8, min: 2, max: 64, latencyTargetMs: 40, backoff: 0.9 };

type Op = { kind: 'acquire' } | { kind: 'release'; latencyMs: number; outcome: 'success' | 'dropped' | 'ignore' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'acquire' }),
  fc.record({
    kind: fc.constant('release' as const),
    latencyMs: fc.double({ min: 0, max: 500, noNaN: true }),
    outcome: fc.constantFrom('success' as const, 'dropped' as const, 'ignore' as const),
  }),
);

describe('the adaptive concurrency limit (AIMD on upstream latency)', () => {
  it('keeps the limit within [min, max] and never admits beyond it, whatever the calls do', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const limit = new AdaptiveLimit(SETTINGS);
        let admitted = 0;
        for (const o of ops) {
          if (o.kind === 'acquire') {
            const before = limit.limit;
            const ok = limit.tryAcquire();
            if (ok) admitted++;
            // Admitted iff there was room under the limit at that moment.
            expect(ok).toBe(admitted - (ok ? 1 : 0) < before);
            expect(limit.inflight).toBeLessThanOrEqual(before);
          } else if (admitted > 0) {
            limit.release(o.latencyMs, o.outcome);
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
      limit.release(i % 2 ? 200 : 5, i % 2 ? 'success' : 'dropped');
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
      limit.release(5, 'success');
    }
    expect(limit.limit).toBe(SETTINGS.max);
  });

  it('does not grow while the upstream is idle, nor move on calls that say nothing about its load', () => {
    const limit = new AdaptiveLimit(SETTINGS);
    for (let i = 0; i < 100; i++) {
      limit.tryAcquire();
      limit.release(5, 'success'); // one call in flight of 8: not limited by the limit
      limit.tryAcquire();
      limit.release(500, 'ignore'); // a bad row or an open circuit
    }
    expect(limit.limit).toBe(SETTINGS.initial);
  });

  it('refuses settings that cannot work, naming them', () => {
    expect(() => new AdaptiveLimit({ ...SETTINGS, initial: 100 })).toThrow(
      /initial must be between min \(2\) and max \(64\), got 100/,
    );
    expect(() => new AdaptiveLimit({ ...SETTINGS, backoff: 1 })).toThrow(/backoff must be in \(0, 1\)/);
  });
});
