/**
 * O(1), JSON-serializable sufficient statistics of one experiment arm: everything the
 * sequential tests need, updated by adding counter increments. Means and variances follow
 * gbstats' ProportionStatistic / SampleMeanStatistic exactly, so our tests and GrowthBook's
 * see the same inputs.
 */

/** A 0/1 outcome per unit (an error, a positive prediction). */
export interface ProportionArm {
  kind: 'proportion';
  n: number;
  successes: number;
}

/** A real-valued outcome per unit (a score, a latency), by its first two moments. */
export interface MeanArm {
  kind: 'mean';
  n: number;
  sum: number;
  sumSquares: number;
}

export type ArmStatistics = ProportionArm | MeanArm;

export function proportionArm(n = 0, successes = 0): ProportionArm {
  checkCount('n', n);
  checkCount('successes', successes);
  if (successes > n) throw new RangeError(`successes (${successes}) cannot exceed n (${n})`);
  return { kind: 'proportion', n, successes };
}

export function meanArm(n = 0, sum = 0, sumSquares = 0): MeanArm {
  checkCount('n', n);
  if (!Number.isFinite(sum) || !Number.isFinite(sumSquares) || sumSquares < 0) {
    throw new RangeError(`sum (${sum}) and sumSquares (${sumSquares}) must be finite, sumSquares >= 0`);
  }
  return { kind: 'mean', n, sum, sumSquares };
}

function checkCount(field: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${field} must be a finite count >= 0, got ${value}`);
}

/** Adds an increment of the same kind (counts from one more interval). */
export function addArm<A extends ArmStatistics>(arm: A, increment: A): A {
  if (arm.kind === 'proportion' && increment.kind === 'proportion') {
    return { ...arm, n: arm.n + increment.n, successes: arm.successes + increment.successes };
  }
  if (arm.kind === 'mean' && increment.kind === 'mean') {
    return {
      ...arm,
      n: arm.n + increment.n,
      sum: arm.sum + increment.sum,
      sumSquares: arm.sumSquares + increment.sumSquares,
    };
  }
  throw new TypeError(`cannot add a ${increment.kind} increment to a ${arm.kind} arm`);
}

export function armMean(arm: ArmStatistics): number {
  if (arm.n === 0) return 0;
  return (arm.kind === 'proportion' ? arm.successes : arm.sum) / arm.n;
}

/** Per-unit variance: p(1 - p) for proportions, the unbiased sample variance for means. */
export function armVariance(arm: ArmStatistics): number {
  if (arm.kind === 'proportion') {
    const p = armMean(arm);
    return p * (1 - p);
  }
  if (arm.n <= 1) return 0;
  return (arm.sumSquares - (arm.sum * arm.sum) / arm.n) / (arm.n - 1);
}
