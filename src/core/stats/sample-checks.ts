/**
 * Input checks for statistics over raw samples. A NaN has no place in an ordering: the
 * merge walks of KS and Wasserstein never step past it (they would loop forever), and a
 * sort leaves it wherever the engine likes. scipy answers NaN; we refuse with the sample's
 * name and the first offending index, since a NaN there means missing values reached a
 * statistic that should have been given only the observed ones.
 */
export function assertNoNaN(values: ArrayLike<number>, statistic: string, sample: string): void {
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) {
      throw new RangeError(
        `${statistic}: sample ${sample} holds NaN at index ${i} (of ${values.length}); drop missing values before comparing samples`,
      );
    }
  }
}
