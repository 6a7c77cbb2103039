import { assertSameBins } from './proportions.ts';

/**
 * Population Stability Index: sum over bins of (r - c) * ln(r / c), with r and c the
 * reference and current shares. It is the symmetrised Kullback-Leibler divergence (Jeffreys
 * divergence), so n_eff * PSI is asymptotically chi-square with (bins - 1) degrees of
 * freedom under no drift (n_eff = n_ref n_cur / (n_ref + n_cur)).
 *
 * Thresholds: 0.1 is Evidently's default (`psi_stat_test.default_threshold`); the credit-
 * scoring rule of thumb reads < 0.1 as stable, 0.1-0.25 as a moderate shift and > 0.25 as a
 * major one (Siddiqi 2006, "Credit Risk Scorecards"; Yurdakul 2018, "Statistical properties
 * of the population stability index").
 *
 * Empty bins make ln(r / c) infinite, so a zero share is replaced by an epsilon first.
 * 'evidently' reproduces Evidently's rule exactly (`get_binned_data(..., feel_zeroes=True)`):
 * each side's zeros become min(non-zero share) / 1e6 when that minimum is <= 1e-4, else 1e-4.
 * A number replaces zero shares by that number.
 */
export type PsiEpsilon = 'evidently' | number;

export function fillZeroShares(shares: readonly number[], epsilon: PsiEpsilon): number[] {
  let fill: number;
  if (epsilon === 'evidently') {
    let minNonZero = Number.POSITIVE_INFINITY;
    for (const s of shares) if (s !== 0 && s < minNonZero) minNonZero = s;
    if (minNonZero === Number.POSITIVE_INFINITY) return [...shares]; // all zero: nothing to compare against
    fill = minNonZero <= 0.0001 ? minNonZero / 10 ** 6 : 0.0001;
  } else {
    fill = epsilon;
  }
  return shares.map((s) => (s === 0 ? fill : s));
}

/**
 * PSI from shares (each side summing to 1, as Evidently passes count / n). Use
 * `psiFromCounts` for raw counts.
 */
export function psi(
  referenceShares: readonly number[],
  currentShares: readonly number[],
  epsilon: PsiEpsilon = 'evidently',
): number {
  assertSameBins(referenceShares, currentShares, 'psi');
  const r = fillZeroShares(referenceShares, epsilon);
  const c = fillZeroShares(currentShares, epsilon);
  let total = 0;
  for (let i = 0; i < r.length; i++) {
    const ri = r[i] as number;
    const ci = c[i] as number;
    total += (ri - ci) * Math.log(ri / ci);
  }
  return total;
}

/** PSI of two count vectors over the same bins (shares = count / total of that side). */
export function psiFromCounts(
  reference: readonly number[],
  current: readonly number[],
  epsilon: PsiEpsilon = 'evidently',
): number {
  assertSameBins(reference, current, 'psi');
  const nr = reference.reduce((a, b) => a + b, 0);
  const nc = current.reduce((a, b) => a + b, 0);
  if (nr <= 0 || nc <= 0) return Number.NaN;
  return psi(
    reference.map((v) => v / nr),
    current.map((v) => v / nc),
    epsilon,
  );
}
