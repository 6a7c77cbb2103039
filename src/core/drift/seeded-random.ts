import { mulberry32 } from '../random/mulberry32.ts';

/**
 * Seeded draws over the project's one generator (core/random/mulberry32.ts), so that reservoir
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
  const uniform32 = mulberry32(seed);
  let spare: number | undefined;
  const nextUint = (): number => uniform32() * 4294967296;
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
