import { probit } from 'simple-statistics';
import { regularizedGammaP, regularizedGammaQ } from './gamma-beta-functions.ts';

/**
 * The standard normal distribution to near double precision. erfc(x) = Q(1/2, x^2)
 * (Abramowitz & Stegun 7.1.2 with 6.5.17), so the far tails keep their relative accuracy;
 * the quantile starts from simple-statistics' probit and polishes it with Halley steps on
 * that CDF, because the probit alone is good to about 1e-3.
 */

/** Complementary error function. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 0) return regularizedGammaQ(0.5, x * x);
  return 1 + regularizedGammaP(0.5, x * x);
}

/** P(Z <= z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** P(Z > z), accurate for large z where 1 - normalCdf(z) would round to 0. */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export function normalDensity(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** The z with P(Z <= z) = p, for 0 < p < 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    throw new RangeError(`a normal quantile needs 0 <= p <= 1, got ${p}`);
  }
  // Work in the lower tail for precision; the upper tail by symmetry.
  if (p > 0.5) return -normalQuantile(1 - p);
  let z = probit(p);
  if (!Number.isFinite(z)) z = -Math.sqrt(-2 * Math.log(p));
  for (let i = 0; i < 8; i++) {
    const error = normalCdf(z) - p;
    const density = normalDensity(z);
    if (density === 0) break;
    const u = error / density;
    // Halley: the CDF's second derivative is -z * density.
    const step = u / (1 + (z * u) / 2);
    z -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(z))) break;
  }
  return z;
}
