import erfc from '@stdlib/math-base-special-erfc';
import erfcinv from '@stdlib/math-base-special-erfcinv';

/**
 * The standard normal distribution to near double precision, on stdlib's erfc and erfcinv
 * (they agree with scipy's norm.cdf, norm.sf and norm.ppf to 1e-12 relative, far tails
 * included: test/unit/core/stats/special-functions.test.ts). The tails are taken from erfc
 * directly, never as 1 - cdf, so they keep their relative accuracy.
 */

/** P(Z <= z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** P(Z > z), accurate for large z where 1 - normalCdf(z) would round to 0. */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** The z with P(Z <= z) = p, for 0 <= p <= 1 (-inf and +inf at the ends). */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`a normal quantile needs 0 <= p <= 1, got ${p}`);
  // Φ⁻¹(p) = -√2 erfc⁻¹(2p): exact in the lower tail, where 2p keeps every digit of p.
  if (p > 0.5) return -normalQuantile(1 - p);
  return -Math.SQRT2 * erfcinv(2 * p);
}
