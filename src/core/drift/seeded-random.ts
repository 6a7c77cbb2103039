/**
 * A small seeded generator (SplitMix32-style mixing of a Weyl sequence), so that reservoir
 * samples, calibration runs and benchmark data are reproducible from a seed and the core
 * stays free of global state (no Math.random).
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box-Muller; the second variate is kept for the next call). */
  normal(): number;
  /** Uniform integer in [0, bound). */
  int(bound: number): number;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  let spare: number | undefined;
  const nextUint = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  // 53 random bits from two draws, so that values are dense near 0 (Box-Muller takes a log).
  const next = (): number => ((nextUint() >>> 5) * 67108864 + (nextUint() >>> 6)) / 9007199254740992;
  return {
    next,
    normal(): number {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(bound: number): number {
      return Math.floor(next() * bound);
    },
  };
}
