/**
 * Log-gamma, log-beta and the regularized upper incomplete gamma function, the special
 * functions behind the chi-square p-value and the beta-binomial confidence sequence.
 *
 * lnGamma: Stirling's series for x >= 15 (terms up to B14, relative error < 1e-16 there),
 * shifted up by the recurrence Gamma(x+1) = x Gamma(x) below that. regularizedGammaQ:
 * the power series of P(a, x) for x < a + 1 and the Legendre continued fraction of Q(a, x)
 * (modified Lentz) otherwise, as in Numerical Recipes, 3rd ed., section 6.2.
 */

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
/** B_{2k} / (2k (2k - 1)) for k = 1..7. */
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156];

/** log |Gamma(x)| for x > 0. */
export function lnGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Number.POSITIVE_INFINITY : Number.NaN;
  if (!Number.isFinite(x)) return x;
  let shift = 0;
  let y = x;
  // log(x (x+1) ... (x+k-1)) accumulated as one product, re-logged when it grows large.
  let product = 1;
  while (y < 15) {
    product *= y;
    if (product > 1e280) {
      shift += Math.log(product);
      product = 1;
    }
    y += 1;
  }
  shift += Math.log(product);
  const inv = 1 / y;
  const inv2 = inv * inv;
  let series = 0;
  for (let k = STIRLING.length - 1; k >= 0; k--) series = series * inv2 + (STIRLING[k] as number);
  return (y - 0.5) * Math.log(y) - y + HALF_LOG_2PI + series * inv - shift;
}

/** log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b). */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/** Q(a, x) = Gamma(a, x) / Gamma(a), the regularized upper incomplete gamma function. */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x < a + 1) return 1 - lowerSeries(a, x);
  return upperContinuedFraction(a, x);
}

/** P(a, x) by its power series; converges fast for x < a + 1. */
function lowerSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
}

/** Q(a, x) by its continued fraction; converges fast for x >= a + 1. */
function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

/** Survival function of the chi-square distribution: P(X >= statistic), X ~ chi2(df). */
export function chiSquareSf(statistic: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  return regularizedGammaQ(df / 2, statistic / 2);
}
