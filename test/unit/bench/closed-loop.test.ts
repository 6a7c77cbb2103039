import { describe, expect, it } from 'vitest';
import { runClosedLoop } from '../../../bench/lib/closed-loop.ts';

describe('runClosedLoop (the benchmark load driver)', () => {
  it('keeps at most `concurrency` requests in flight and stops at maxRequests', async () => {
    let inflight = 0;
    let peak = 0;
    const result = await runClosedLoop({
      concurrency: 8,
      durationMs: 60_000,
      maxRequests: 200,
      send: async () => {
        peak = Math.max(peak, ++inflight);
        await new Promise((r) => setImmediate(r));
        inflight--;
      },
    });
    expect(peak).toBe(8);
    expect(result.completed).toBe(200);
    expect(result.errors).toBe(0);
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
  });

  it('counts failures apart, names the first, and excludes them from throughput', async () => {
    let n = 0;
    const result = await runClosedLoop({
      concurrency: 4,
      durationMs: 60_000,
      maxRequests: 90,
      send: async () => {
        if (++n % 3 === 0) throw new Error(`rejected #${n}`);
      },
    });
    expect(result.errors).toBe(30);
    expect(result.completed).toBe(60);
    expect(result.firstError).toBe('rejected #3');
    expect(result.throughputRps).toBeCloseTo(60 / result.seconds, 6);
  });
});
