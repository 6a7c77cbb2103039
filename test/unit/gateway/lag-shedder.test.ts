import { describe, expect, it } from 'vitest';
import { LagShedder } from '../../../src/gateway/overload/lag-shedder.ts';

/**
 * A model of a saturated gateway loop: lag grows with the work admitted beyond what the loop
 * can do in a window (`capacity`), and a shed request costs `shedCost` of a served one.
 */
function simulate(offered: number, capacity: number, windows: number, shedCost = 0.05) {
  const shedder = new LagShedder({ targetMs: 25 });
  let backlog = 0;
  const served: number[] = [];
  for (let w = 0; w < windows; w++) {
    let admitted = 0;
    for (let i = 0; i < offered; i++) if (shedder.admit()) admitted++;
    const work = admitted + (offered - admitted) * shedCost;
    backlog = Math.max(0, backlog + work - capacity);
    // Lag: the backlog as time (the window is 100 ms of `capacity` units), plus a little jitter.
    shedder.update((backlog / capacity) * 100 + 5);
    served.push(Math.min(admitted, capacity));
  }
  return { shedder, served };
}

describe('event-loop-lag admission sheds only the excess', () => {
  it('at 2x and 5x what the loop can do, settles serving about what it can do once the cost of shedding is paid (not everything shed)', () => {
    for (const multiple of [2, 5]) {
      const { shedder, served } = simulate(100 * multiple, 100, 600);
      const tail = served.slice(-200);
      const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
      // The best any admission can do: serve a* where a* + shedCost x (offered - a*) = capacity.
      const best = (100 - 0.05 * 100 * multiple) / 0.95;
      expect(mean).toBeGreaterThan(0.9 * best);
      // The share refused is about the excess: 1 - 1/multiple (plus the shed work's own cost).
      expect(shedder.share).toBeGreaterThan(1 - 1 / multiple - 0.1);
      expect(shedder.share).toBeLessThan(0.95);
    }
  });

  it('sheds nothing while the lag stays under its target, and lets go once the loop has room (hysteresis)', () => {
    const shedder = new LagShedder({ targetMs: 25 });
    for (let i = 0; i < 50; i++) shedder.update(20);
    expect(shedder.share).toBe(0);
    for (let i = 0; i < 5; i++) shedder.update(50); // twice the target: +0.1 per window
    expect(shedder.share).toBeCloseTo(0.5, 5);
    for (let i = 0; i < 20; i++) shedder.update(20); // between release (12.5 ms) and target: hold
    expect(shedder.share).toBeCloseTo(0.5, 5);
    for (let i = 0; i < 200; i++) shedder.update(2);
    expect(shedder.share).toBe(0);
  });

  it('does not shed for lag the host caused (the loop mostly idle, waiting for a CPU)', () => {
    const shedder = new LagShedder({ targetMs: 25 });
    for (let i = 0; i < 50; i++) shedder.update(80, 0.3);
    expect(shedder.share).toBe(0);
    for (let i = 0; i < 5; i++) shedder.update(50, 0.97);
    expect(shedder.share).toBeCloseTo(0.5, 5);
    for (let i = 0; i < 200; i++) shedder.update(80, 0.5); // busy host, idle loop: let go
    expect(shedder.share).toBe(0);
  });

  it('refuses exactly its share, evenly spread', () => {
    const shedder = new LagShedder({ targetMs: 10 });
    for (let i = 0; i < 3; i++) shedder.update(20); // share 0.3
    const decisions = Array.from({ length: 1000 }, () => shedder.admit());
    expect(decisions.filter((d) => !d).length).toBe(300);
    expect(decisions.slice(0, 10).filter((d) => !d).length).toBe(3);
  });

  it('names a target that cannot work', () => {
    expect(() => new LagShedder({ targetMs: 0 })).toThrow(/event-loop lag target must be > 0 ms, got 0/);
  });
});
