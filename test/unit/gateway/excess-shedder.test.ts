import { describe, expect, it } from 'vitest';
import { ExcessShedder } from '../../../src/gateway/overload/excess-shedder.ts';

/**
 * A model of the path behind the door: per window, `offered` requests arrive, the door lets
 * some through, and the models answer at most `capacity` of them; the rest are refused for
 * overload (the concurrency limit, then a full fallback model).
 */
function simulate(shedder: ExcessShedder, offered: number, capacity: number, windows: number) {
  const reachedPerWindow: number[] = [];
  const answeredPerWindow: number[] = [];
  for (let w = 0; w < windows; w++) {
    let reached = 0;
    for (let i = 0; i < offered; i++) if (shedder.admit()) reached++;
    const answered = Math.min(reached, capacity);
    for (let i = 0; i < answered; i++) shedder.record(true);
    for (let i = answered; i < reached; i++) shedder.record(false);
    shedder.closeWindow();
    reachedPerWindow.push(reached);
    answeredPerWindow.push(answered);
  }
  const tail = (xs: number[]) => xs.slice(-20).reduce((a, b) => a + b, 0) / 20;
  return { reached: tail(reachedPerWindow), answered: tail(answeredPerWindow) };
}

describe('ExcessShedder: sheds at the door the share the models could not take', () => {
  it('at 2x and 5x capacity, lets through about capacity x (1 + headroom) and the models stay full', () => {
    for (const multiple of [2, 5]) {
      const shedder = new ExcessShedder({ headroom: 0.05 });
      const { reached, answered } = simulate(shedder, 100 * multiple, 100, 60);
      expect(answered).toBe(100); // goodput: every window the models answer all they can
      expect(reached).toBeGreaterThan(100);
      expect(reached).toBeLessThan(100 * 1.12); // the late refusals are the small headroom, not the excess
      expect(shedder.share).toBeCloseTo(1 - 1.05 / multiple, 1);
    }
  });

  it('within a few windows: the first overloaded window already sheds most of the excess', () => {
    const shedder = new ExcessShedder({ headroom: 0.05, smoothing: 0.5 });
    simulate(shedder, 500, 100, 1);
    expect(shedder.share).toBeGreaterThan(0.5); // pass = (105/500)^0.5 = 0.46
    simulate(shedder, 500, 100, 4);
    expect(shedder.share).toBeGreaterThan(0.75);
  });

  it('sheds nothing while nothing is refused, and lets go once the overload ends', () => {
    const shedder = new ExcessShedder();
    simulate(shedder, 90, 100, 20);
    expect(shedder.share).toBe(0);
    simulate(shedder, 400, 100, 30);
    expect(shedder.share).toBeGreaterThan(0.7);
    // Load back under capacity: no refusals, the pass share grows back to 1 (x1.25 + 0.01 a window).
    const { reached } = simulate(shedder, 90, 100, 30);
    expect(shedder.share).toBe(0);
    expect(reached).toBe(90);
  });

  it('always lets minPass through, so a model that comes back is noticed', () => {
    const shedder = new ExcessShedder({ minPass: 0.05 });
    simulate(shedder, 1000, 0, 40); // nothing answered at all
    expect(shedder.share).toBeCloseTo(0.95, 10);
    const { answered } = simulate(shedder, 1000, 1000, 40);
    expect(answered).toBe(1000);
  });

  it('a lone refusal at low traffic is judged with the requests around it, not alone', () => {
    // 4 requests a window (40 req/s), one refused for overload among timeouts and answers: the
    // counts are carried until 20 requests are in, and then 1 in 21 was refused, not 1 in 1.
    const shedder = new ExcessShedder();
    shedder.record(false);
    shedder.closeWindow();
    expect(shedder.share).toBe(0);
    for (let w = 0; w < 5; w++) {
      for (let i = 0; i < 4; i++) shedder.record(true);
      shedder.closeWindow();
    }
    // Judged after 21 requests: 20 admitted x 1.05 / 21 = 1, within the headroom: nothing shed
    // (alone, the first window had read as "nothing fits": pass 2%, 98% shed).
    expect(shedder.share).toBe(0);
    expect(() => new ExcessShedder({ minEvidence: 0 })).toThrow(/minEvidence must be a whole number >= 1, got 0/);
  });

  it('failures other than overload count as admitted: a slow primary among timeouts sheds (almost) nothing', () => {
    // The latency-500ms experiment: the primary times out, the breakers and the default answer;
    // the concurrency limit refuses now and then. Counting only answers made each of those rare
    // refusals read as "none of it fits" (pass 2%) and turned the flagged defaults into 503s.
    // At 40 req/s: 4 requests a window, 1 refused for overload in every 100, the rest admitted.
    const shedder = new ExcessShedder();
    let worst = 0;
    for (let w = 0; w < 100; w++) {
      for (let i = 0; i < 4; i++) shedder.record(i !== 0 || w % 25 !== 0);
      shedder.closeWindow();
      worst = Math.max(worst, shedder.share);
    }
    expect(worst).toBeLessThan(0.05);
  });

  it('applies the share exactly and evenly, not by coin flips', () => {
    const shedder = new ExcessShedder({ smoothing: 1, headroom: 0 });
    for (let i = 0; i < 25; i++) shedder.record(true);
    for (let i = 0; i < 75; i++) shedder.record(false);
    shedder.closeWindow();
    expect(shedder.share).toBeCloseTo(0.75, 10);
    const decisions = Array.from({ length: 8 }, () => shedder.admit());
    expect(decisions.filter(Boolean)).toHaveLength(2);
    expect(decisions).toEqual([true, false, false, false, true, false, false, false]);
  });

  it('refuses settings that cannot work, naming the value', () => {
    expect(() => new ExcessShedder({ headroom: -0.1 })).toThrow(/headroom must be >= 0, got -0.1/);
    expect(() => new ExcessShedder({ minPass: 0 })).toThrow(/minPass must be in \(0, 1\], got 0/);
    expect(() => new ExcessShedder({ recovery: 1 })).toThrow(/recovery must be > 1, got 1/);
    expect(() => new ExcessShedder({ smoothing: 2 })).toThrow(/smoothing must be in \(0, 1\], got 2/);
    expect(() => new ExcessShedder({ minEvidence: 2.5 })).toThrow(/minEvidence must be a whole number >= 1, got 2.5/);
  });
});
