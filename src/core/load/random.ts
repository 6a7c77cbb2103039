import { mulberry32 } from '../random/mulberry32.ts';

/**
 * Seeded random draws for load generation. Only relative .ts imports: the k6 scripts in
 * loadtests/ import this file as it is, and k6 runs it in its own JavaScript runtime where
 * only relative .ts imports resolve.
 *
 * The distributions are the ones serving/models/dataset.py draws the training data from
 * (numpy's lognormal, gamma, poisson, normal), so load looks like the traffic the models
 * were trained on.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
}

/** The project's one seeded generator (core/random/mulberry32.ts) behind the load's interface. */
export function seededRandom(seed: number): Random {
  return { next: mulberry32(seed) };
}

/** A 32-bit FNV-1a hash, to derive a stable seed from a name (e.g. a user's profile). */
export function hashSeed(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function uniform(r: Random, low: number, high: number): number {
  return low + (high - low) * r.next();
}

/** Standard normal by Box-Muller (one of the pair; simplicity over speed). */
export function normal(r: Random, mean: number, sd: number): number {
  const u = 1 - r.next(); // (0, 1]: log(0) never happens
  const v = r.next();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** numpy's lognormal(mean, sigma): exp of a normal with that mean and sd. */
export function logNormal(r: Random, mean: number, sigma: number): number {
  return Math.exp(normal(r, mean, sigma));
}

/** Gamma(shape, scale) by Marsaglia & Tsang (2000), with the shape < 1 boost. */
export function gamma(r: Random, shape: number, scale: number): number {
  if (shape < 1) return gamma(r, shape + 1, scale) * r.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const x = normal(r, 0, 1);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - r.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
  return shape * scale; // unreachable in practice (acceptance rate > 95%); the mean keeps it bounded
}

/** Poisson(lambda) by Knuth's product method: fine for the small rates used here (< 30). */
export function poisson(r: Random, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = r.next();
  while (p > limit && k < 1000) {
    k++;
    p *= r.next();
  }
  return k;
}

/** Index drawn with probability proportional to its weight (weights >= 0, not all 0). */
export function weightedIndex(r: Random, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let x = r.next() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i] as number;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

export function clamp(value: number, min: number | undefined, max: number | undefined): number {
  let v = value;
  if (min !== undefined && v < min) v = min;
  if (max !== undefined && v > max) v = max;
  return v;
}
