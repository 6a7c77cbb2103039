import { lnBeta } from './gamma-beta-functions.ts';

/**
 * Relative change of a rate (P(label = 1), or one category's share) against its baseline,
 * with an anytime-valid confidence sequence.
 *
 * Why anytime-valid: the drift watcher looks at the same growing window every minute, at
 * whatever n it holds. A fixed-n interval checked that way over-covers false alarms (each
 * look is another chance); a confidence sequence covers the true rate at every n at once.
 *
 * The sequence is Robbins' beta-binomial mixture (Robbins 1970, "Statistical methods
 * related to the law of the iterated logarithm"; Howard, Ramdas, McAuliffe & Sekhon 2021,
 * "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist., sec. 3):
 * for S successes in n Bernoulli trials and a Beta(a, b) mixing prior,
 *
 *   M_n(p) = [B(a + S, b + n - S) / B(a, b)] / [p^S (1 - p)^(n - S)]
 *
 * is a non-negative martingale with M_0 = 1 when p is the true rate, so by Ville's
 * inequality P(exists n: M_n(p) >= 1/alpha) <= alpha, and {p : M_n(p) < 1/alpha} is a
 * (1 - alpha) confidence sequence. It is exact (no normal approximation), works with the
 * fractional counts Prometheus' increase() returns, and is never empty (the mixture
 * likelihood never exceeds the maximum likelihood).
 *
 * The prior only tunes where the sequence is tightest: centred on the baseline with
 * concentration c = designSamples / u*, where u* minimises the normal-mixture width factor
 * (1 + 1/u)(2 ln(1/alpha) + ln(1 + u)) (Howard et al. 2021, eq. (3.7) with rho^2 = u / n),
 * it is tightest near n = designSamples and valid at every n.
 */
export interface RateShiftOptions {
  /** Error probability of the whole sequence (over all n). */
  alpha: number;
  /** Sample size at which the interval should be tightest. */
  designSamples: number;
}

export interface RateShift {
  baseline: number;
  n: number;
  successes: number;
  /** successes / n (NaN when n = 0). */
  rate: number;
  /** rate / baseline - 1. */
  relativeChange: number;
  /** Anytime-valid interval for the rate. */
  rateInterval: [number, number];
  /** The same interval as relative change against the baseline. */
  relativeInterval: [number, number];
  alpha: number;
}

export const DEFAULT_RATE_SHIFT_OPTIONS: RateShiftOptions = { alpha: 0.01, designSamples: 100_000 };

export function rateShift(
  successes: number,
  n: number,
  baseline: number,
  options: RateShiftOptions = DEFAULT_RATE_SHIFT_OPTIONS,
): RateShift {
  if (!(baseline > 0 && baseline < 1)) {
    throw new RangeError(`rateShift: the baseline rate must be in (0, 1), got ${baseline}`);
  }
  if (!(n >= 0) || !(successes >= 0) || successes > n) {
    throw new RangeError(`rateShift: need 0 <= successes <= n, got successes=${successes} n=${n}`);
  }
  const { a, b } = mixingPrior(baseline, options);
  const rate = n > 0 ? successes / n : Number.NaN;
  const rateInterval: [number, number] = n > 0 ? confidenceSequence(successes, n, a, b, options.alpha) : [0, 1];
  return {
    baseline,
    n,
    successes,
    rate,
    relativeChange: rate / baseline - 1,
    rateInterval,
    relativeInterval: [rateInterval[0] / baseline - 1, rateInterval[1] / baseline - 1],
    alpha: options.alpha,
  };
}

/** Beta(a, b) centred on the baseline, concentrated so that the sequence is tightest at designSamples. */
export function mixingPrior(baseline: number, options: RateShiftOptions): { a: number; b: number } {
  const u = optimalIntrinsicTime(options.alpha);
  const concentration = Math.max(options.designSamples / u, 1);
  return { a: baseline * concentration, b: (1 - baseline) * concentration };
}

/** argmin over u > 0 of (1 + 1/u)(2 ln(1/alpha) + ln(1 + u)), by golden-section search. */
export function optimalIntrinsicTime(alpha: number): number {
  const f = (u: number) => (1 + 1 / u) * (2 * Math.log(1 / alpha) + Math.log1p(u));
  let lo = 0.01;
  let hi = 1e4;
  const phi = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const x1 = hi - phi * (hi - lo);
    const x2 = lo + phi * (hi - lo);
    if (f(x1) < f(x2)) hi = x2;
    else lo = x1;
  }
  return (lo + hi) / 2;
}

/** log M_n(p) of the beta-binomial mixture martingale. */
export function logMixtureMartingale(successes: number, n: number, p: number, a: number, b: number): number {
  const failures = n - successes;
  const logLikelihood = (successes > 0 ? successes * Math.log(p) : 0) + (failures > 0 ? failures * Math.log1p(-p) : 0);
  return lnBeta(a + successes, b + failures) - lnBeta(a, b) - logLikelihood;
}

/** {p : M_n(p) < 1/alpha}, an interval around successes / n, found by bisection on each side. */
function confidenceSequence(successes: number, n: number, a: number, b: number, alpha: number): [number, number] {
  const boundary = Math.log(1 / alpha);
  const excess = (p: number) => logMixtureMartingale(successes, n, p, a, b) - boundary;
  const center = successes / n;
  const lower = successes === 0 ? 0 : bisect(excess, 0, center);
  const upper = successes === n ? 1 : bisect(excess, center, 1);
  return [lower, upper];
}

/** The root of f between lo and hi, where f changes sign (f(center) < 0, f(end) > 0). */
function bisect(f: (p: number) => number, lo: number, hi: number): number {
  const fLo = f(lo);
  let a = lo;
  let b = hi;
  const signAtLo = fLo > 0 || !Number.isFinite(fLo);
  for (let i = 0; i < 200; i++) {
    const mid = (a + b) / 2;
    if (mid === a || mid === b) break;
    const value = f(mid);
    if (value > 0 === signAtLo) a = mid;
    else b = mid;
  }
  return (a + b) / 2;
}
