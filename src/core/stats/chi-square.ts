import { chiSquaredSurvival } from './gamma-beta-functions.ts';
import { assertSameBins, sum } from './proportions.ts';

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  degreesOfFreedom: number;
}

/**
 * scipy's tolerance on the two totals (sqrt of the float64 epsilon): a rescaled reference
 * sums to the current total up to rounding, never further.
 */
const TOTALS_RELATIVE_TOLERANCE = Math.sqrt(Number.EPSILON);

/**
 * Pearson's goodness-of-fit test, as `scipy.stats.chisquare(observed, expected)`:
 * statistic = sum (o - e)^2 / e, p = chi2.sf(statistic, k - 1), over the k bins that are not
 * empty on both sides. A count observed where none was expected makes the statistic
 * infinite and p 0 (scipy and Evidently agree). Like scipy, it refuses expected counts with
 * a different total than the observed ones: the statistic would then measure the
 * difference in totals, not in shape (rescale the expected counts, as chiSquareDriftTest does).
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], expected: readonly number[]): ChiSquareResult {
  assertSameBins(observed, expected, 'chisquare');
  const totalObserved = sum(observed);
  const totalExpected = sum(expected);
  if (Math.abs(totalObserved - totalExpected) > TOTALS_RELATIVE_TOLERANCE * Math.min(totalObserved, totalExpected)) {
    throw new RangeError(
      `chisquare: observed counts total ${totalObserved} but expected counts total ${totalExpected}; ` +
        'they must agree (to a relative 1.5e-8, as scipy); rescale the expected counts to the observed total',
    );
  }
  let statistic = 0;
  let bins = 0;
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i] as number;
    const e = expected[i] as number;
    // A bin empty on both sides carries no information (scipy would return NaN for it).
    if (o === 0 && e === 0) continue;
    bins++;
    statistic += ((o - e) * (o - e)) / e;
  }
  const degreesOfFreedom = bins - 1;
  // One informative bin leaves no degree of freedom: no p-value (NaN), as scipy.
  const pValue = degreesOfFreedom > 0 ? chiSquaredSurvival(statistic, degreesOfFreedom) : Number.NaN;
  return { statistic, pValue, degreesOfFreedom };
}

/**
 * Evidently's chi-square drift test (`_chi_stat_test`): the reference counts, rescaled to
 * the current total, are the expected counts. A p-value: at large n it flags any
 * difference, however small (evidently#50), so our monitors report it and decide on
 * effect sizes instead. Bins empty in the reference make the statistic infinite (p = 0),
 * as in scipy; the monitors keep unseen values in their own bin and report them.
 */
export function chiSquareDriftTest(reference: readonly number[], current: readonly number[]): ChiSquareResult {
  assertSameBins(reference, current, 'chisquare');
  const nr = reference.reduce((a, b) => a + b, 0);
  const nc = current.reduce((a, b) => a + b, 0);
  const scale = nc / nr;
  return chiSquareGoodnessOfFit(
    current,
    reference.map((r) => r * scale),
  );
}
