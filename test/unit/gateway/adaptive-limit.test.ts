import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, type AdaptiveLimitSettings } from '../../../src/gateway/overload/adaptive-limit.ts';

const SETTINGS: AdaptiveLimitSettings = {
  initial: 8,
  min: 2,
  max: 64,
  tolerance: 1.5,
  smoothing: 0.2,
  windowMs: 100,
  windowSamples: 5,
  probeIntervalMs: 30_000,
  probeSamples: 4,
};

/**
 * A closed loop against a simulated upstream: every round fills the limit, and each call takes
 * `baseMs` while at most `capacity` calls are in flight, proportionally longer beyond (a queue).
 * Returns the limit after each round outside the min-RTT probes.
 */
function drive(limit: AdaptiveLimit, baseMs: number, capacity: number, rounds: number, start = 0): number[] {
  const seen: number[] = [];
  let now = start;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    while (limit.tryAcquire()) n++;
    const latency = baseMs * Math.max(1, n / capacity);
    now += latency;
    for (let i = 0; i < n; i++) limit.release(latency, 'success', now);
    if (!limit.rtt.probing) seen.push(limit.limit);
  }
  return seen;
}

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

describe('the adaptive concurrency limit (gradient against the upstream’s own unloaded latency)', () => {
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

  it('admits a burst up to the initial limit at start, and holds a probe at the minimum for one window at most', () => {
    const limit = new AdaptiveLimit(SETTINGS);
    expect(Array.from({ length: 9 }, () => limit.tryAcquire())).toEqual([...Array(8).fill(true), false]);
    for (let i = 0; i < 8; i++) limit.release(400, 'success', 400); // a slow upstream: 400 ms calls
    // Run until the periodic probe begins (after probeInterval).
    let now = 400;
    while (!limit.rtt.probing && now < 100_000) {
      now += 400;
      drive(limit, 400, Number.POSITIVE_INFINITY, 1, now);
    }
    expect(limit.rtt.probing).toBe(true);
    expect(limit.limit).toBe(SETTINGS.min);
    // Calls admitted before the probe end first and are not probe samples; then one 400 ms
    // call ends the probe (one window), not probeSamples of them (1.6 s at the minimum).
    while (limit.inflight > 0) limit.release(400, 'success', now);
    limit.tryAcquire();
    limit.release(400, 'success', now + 800); // drive's clock ended at now + 400
    expect(limit.rtt.probing).toBe(false);
    expect(limit.rtt.minMs).toBe(400);
  });

  it('a slow but healthy upstream keeps a high limit (the fixed-40-ms AIMD shrank it to its floor)', () => {
    // 80 ms per call at any concurrency: slow, but nothing queues.
    const limit = new AdaptiveLimit(SETTINGS);
    const seen = drive(limit, 80, Number.POSITIVE_INFINITY, 400);
    expect(limit.rtt.minMs).toBe(80);
    expect(seen.at(-1)).toBe(SETTINGS.max);
  });

  it('settles near what the upstream sustains once calls queue, fast or slow', () => {
    for (const baseMs of [2, 80]) {
      const limit = new AdaptiveLimit(SETTINGS);
      const tail = drive(limit, baseMs, 20, 2_000).slice(-200);
      // Latency is tolerance x unloaded at 30 in flight; the sqrt(limit) allowance adds a little.
      for (const l of tail) {
        expect(l).toBeGreaterThanOrEqual(20);
        expect(l).toBeLessThanOrEqual(40);
      }
    }
  });

  it('lets a fast model queue up to the latency floor: the limit settles where latency reaches the floor, not 1.5x a 2 ms baseline', () => {
    // 2 ms unloaded, 20 calls in flight saturate it; each call beyond queues.
    const withoutFloor = drive(new AdaptiveLimit(SETTINGS), 2, 20, 2_000).slice(-200);
    const floored = new AdaptiveLimit({ ...SETTINGS, latencyFloorMs: 8 });
    const withFloor = drive(floored, 2, 20, 2_000).slice(-200);
    // Latency = 2 ms x (n / 20): the 8 ms floor is reached at 80 in flight; max is 64.
    expect(Math.min(...withFloor)).toBeGreaterThan(Math.max(...withoutFloor));
    expect(withFloor.at(-1)).toBe(SETTINGS.max);
    // A slow model's own baseline is above the floor: the floor changes nothing for it.
    const slow = drive(new AdaptiveLimit({ ...SETTINGS, latencyFloorMs: 8 }), 80, 20, 2_000).slice(-200);
    for (const l of slow) expect(l).toBeLessThanOrEqual(40);
  });

  it('comes down to what the upstream sustains when it starts queueing at a lower concurrency', () => {
    const limit = new AdaptiveLimit(SETTINGS);
    drive(limit, 5, Number.POSITIVE_INFINITY, 2_000);
    expect(limit.limit).toBe(SETTINGS.max);
    // The model degrades: now 10 calls at once saturate it.
    const after = drive(limit, 5, 10, 1_000, 1e6);
    expect(after.at(-1)).toBeLessThanOrEqual(20);
    expect(after.at(-1)).toBeGreaterThanOrEqual(10);
  });

  it('does not grow while the upstream is idle, nor move on calls that say nothing about its load', () => {
    const limit = new AdaptiveLimit(SETTINGS);
    drive(limit, 5, Number.POSITIVE_INFINITY, 2); // the busy window that was open still closes once
    const idle = (from: number, calls: number) => {
      for (let i = 0; i < calls; i++) {
        limit.tryAcquire();
        limit.release(5, 'success', from + i); // one call in flight: the limit is not what holds traffic back
        limit.tryAcquire();
        limit.release(500, 'ignore', from + i); // a bad row or an open circuit
      }
    };
    idle(100, 150);
    const before = limit.limit;
    idle(250, 500);
    expect(limit.limit).toBe(before);
  });

  it('a window with a dropped call (timeout, 5xx) shrinks the limit toward half', () => {
    const limit = new AdaptiveLimit({ ...SETTINGS, initial: 32, smoothing: 1 });
    drive(limit, 5, Number.POSITIVE_INFINITY, 2);
    const before = limit.limit;
    limit.tryAcquire();
    limit.release(5, 'dropped', 1_000);
    expect(limit.limit).toBe(Math.floor(before * 0.5 + Math.sqrt(before)));
  });

  it('refuses settings that cannot work, naming them', () => {
    expect(() => new AdaptiveLimit({ ...SETTINGS, initial: 100 })).toThrow(
      /initial must be between min \(2\) and max \(64\), got 100/,
    );
    expect(() => new AdaptiveLimit({ ...SETTINGS, tolerance: 0.9 })).toThrow(/tolerance must be >= 1/);
    expect(() => new AdaptiveLimit({ ...SETTINGS, latencyFloorMs: -1 })).toThrow(
      /latencyFloor must be >= 0 ms, got -1/,
    );
  });
});
