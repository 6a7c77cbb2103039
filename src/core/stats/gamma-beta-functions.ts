import betainc from '@stdlib/math-base-special-betainc';
import betaln from '@stdlib/math-base-special-betaln';
import gammainc from '@stdlib/math-base-special-gammainc';
import gammaln from '@stdlib/math-base-special-gammaln';

/**
 * Log-gamma, log-beta and the regularized incomplete gamma and beta functions: what
 * chi-squared tail areas (SRM, the drift chi-square test), the normal tail (erfc), the
 * rate-shift interval and Beta posteriors (Bayesian summary) are built on.
 *
 * The numerics are stdlib's (@stdlib/math-base-special-*, ports of Boost.Math and Cephes,
 * the same lineage as scipy.special); they agree with scipy to 1e-12 relative on
 * test/unit/core/stats/special-functions.test.ts. What stays here is what no library does
 * for us: domain checks that name the argument (stdlib answers NaN) and the chi-squared
 * edge cases scipy's chi2.sf defines (an infinite statistic has tail 0, stdlib gives NaN).
 */

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma needs x > 0, got ${x}`);
  return gammaln(x);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b), without the cancellation of the naive sum for large a, b. */
export function lnBeta(a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`lnBeta needs a, b > 0, got ${a}, ${b}`);
  return betaln(a, b);
}

/** Regularized lower incomplete gamma P(a, x). */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  return gammainc(x, a, true, false);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate in the far tail. */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  return gammainc(x, a, true, true);
}

function checkGammaArgs(a: number, x: number): void {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`incomplete gamma needs a > 0 and x >= 0, got a=${a}, x=${x}`);
}

/** Regularized incomplete beta I_x(a, b): the Beta(a, b) CDF at x. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta needs a, b > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 <= x <= 1, got ${x}`);
  return betainc(x, a, b);
}

/** Log of the Beta(a, b) density at x in (0, 1). */
export function lnBetaDensity(x: number, a: number, b: number): number {
  return (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lnBeta(a, b);
}

/**
 * Upper tail of the chi-squared distribution with `dof` degrees of freedom: Q(dof/2, x/2),
 * as scipy's chi2.sf: 1 at x <= 0, 0 for an infinite statistic (an observed count where
 * none was expected), NaN for a NaN statistic.
 */
export function chiSquaredSurvival(x: number, dof: number): number {
  if (!(dof > 0)) throw new RangeError(`chi-squared needs dof > 0, got ${dof}`);
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return regularizedGammaQ(dof / 2, x / 2);
}
