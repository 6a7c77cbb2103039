import { sharesOfBoth } from './proportions.ts';

/**
 * Jensen-Shannon distance, as `scipy.spatial.distance.jensenshannon(p, q, base)`: both
 * vectors are normalised to sum 1, m = (p + q) / 2, and the distance is
 * sqrt((KL(p || m) + KL(q || m)) / 2), natural log unless `base` is given. It is bounded
 * (by sqrt(ln 2) in nats), symmetric and finite on empty bins, which is why Evidently uses
 * it as its default for categorical columns over 1000 rows (threshold 0.1, Evidently
 * "Data drift" docs, default detection logic).
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[], base?: number): number {
  const shares = sharesOfBoth(p, q, 'jensenshannon');
  if (!shares) return Number.NaN;
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = shares.p[i] as number;
    const qi = shares.q[i] as number;
    const mi = (pi + qi) / 2;
    left += relativeEntropy(pi, mi);
    right += relativeEntropy(qi, mi);
  }
  let js = left + right;
  if (base !== undefined) js /= Math.log(base);
  // For (near-)identical vectors the two divergences cancel to a rounding residue that can
  // be a hair below 0, and sqrt turns it into NaN (scipy 1.17 does exactly that, e.g. for
  // [0.1546440301463008, 0.2909512131009251] against [0.1546440301463008,
  // 0.29095121310092514]). The divergence is >= 0 by Gibbs' inequality: clamp, then sqrt.
  return Math.sqrt(Math.max(js / 2, 0));
}

/** scipy.special.rel_entr: x ln(x / y), 0 at x = 0, infinite when y = 0 < x. */
function relativeEntropy(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}
