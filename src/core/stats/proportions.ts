/** Shared helpers for statistics over two vectors of bin counts (reference, current). */

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Counts divided by their total; all zeros when the total is 0. */
export function toProportions(counts: readonly number[]): number[] {
  const total = sum(counts);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/** Throws when two count vectors cannot be compared bin by bin (a programming error). */
export function assertSameBins(reference: readonly number[], current: readonly number[], statistic: string): void {
  if (reference.length !== current.length) {
    throw new RangeError(
      `${statistic}: reference has ${reference.length} bins and current ${current.length}; bin both with the same edges`,
    );
  }
}

/**
 * Two count vectors as shares of their own totals, for the distances between distributions
 * (Hellinger, Jensen-Shannon). Undefined when either has no counts: a distance to an empty
 * distribution is not defined (the callers answer NaN, "no data").
 */
export function sharesOfBoth(
  p: readonly number[],
  q: readonly number[],
  statistic: string,
): { p: number[]; q: number[] } | undefined {
  assertSameBins(p, q, statistic);
  const sp = sum(p);
  const sq = sum(q);
  if (!(sp > 0) || !(sq > 0)) return undefined;
  return { p: p.map((v) => v / sp), q: q.map((v) => v / sq) };
}
