/**
 * Mean and population standard deviation (numpy's np.mean and np.std, ddof 0) that stay
 * accurate far from zero. Feature values such as epoch timestamps or account numbers sit
 * at 1e12..1e15 with a spread of units; there a plain running sum rounds every addition
 * to the offset's ulp, the mean comes out off by a fraction of the spread, and the two-pass
 * variance absorbs that error squared (0.8 relative at a 1e15 offset with a spread of 3).
 *
 * Neumaier's compensated sum (Neumaier 1974, the improved Kahan-Babuška) keeps the mean to
 * about one ulp of the offset; the corrected two-pass formula (Chan, Golub & LeVeque 1983,
 * "Algorithms for computing the sample variance", eq. 1.7) subtracts what is left of the
 * mean's error: var = (Σd² - (Σd)²/n) / n with d = x - mean.
 */

export function meanAndPopulationStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  let sum = 0;
  let compensation = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    const t = sum + x;
    compensation += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  const mean = (sum + compensation) / n;
  let deviations = 0;
  let squares = 0;
  let squaresCompensation = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    deviations += d;
    const term = d * d;
    const t = squares + term;
    squaresCompensation += squares >= term ? squares - t + term : term - t + squares;
    squares = t;
  }
  const variance = (squares + squaresCompensation - (deviations * deviations) / n) / n;
  return { mean, std: Math.sqrt(Math.max(variance, 0)) };
}
