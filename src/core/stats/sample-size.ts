import { normalCdf, normalQuantile } from './normal.ts';

/**
 * Fixed-horizon sample sizes: how many requests before a classical test could tell.
 * Used by `steadystate ab plan` and to choose N* (the planned size the mSPRT mixture is
 * tuned for): the sequential test then stops early when the effect is larger than planned.
 */

/**
 * The playbook's estimation size n = (Z·σ / margin)²: observations for a mean to be known
 * within ±margin at confidence 1 - α (Z = z_{1-α/2}), e.g. σ = sqrt(p(1 - p)) for a rate.
 */
export function estimationSampleSize(input: { sigma: number; margin: number; alpha: number }): number {
  const { sigma, margin, alpha } = input;
  if (!(sigma > 0)) throw new RangeError(`sigma must be > 0, got ${sigma}`);
  if (!(margin > 0)) throw new RangeError(`margin must be > 0, got ${margin}`);
  checkProbability('alpha', alpha);
  const z = normalQuantile(1 - alpha / 2);
  return Math.ceil(((z * sigma) / margin) ** 2);
}

export interface TwoSampleInput {
  /** Per-unit standard deviations of the two arms (for rates: sqrt(p(1 - p))). */
  sigmaControl: number;
  sigmaTreatment: number;
  /** The smallest absolute difference worth detecting. */
  minimumEffect: number;
  alpha: number;
  /** 1 - β. */
  power: number;
  /** n_B / n_A, e.g. 0.25 for an 80/20 split. */
  allocationRatio: number;
  sides: 1 | 2;
}

export interface TwoSampleSize {
  control: number;
  treatment: number;
  total: number;
}

/**
 * Two-sample z-test with unequal variances and allocation (Chow, Shao & Wang, "Sample Size
 * Calculations in Clinical Research", two-sample parallel design with allocation ratio κ;
 * for rates with the unpooled variance p(1 - p), which is what our z-test uses):
 *
 *   n_A = (z_{1-α/s} + z_{1-β})² · (σ_A² + σ_B² / κ) / Δ²,   n_B = κ · n_A.
 */
export function twoSampleSize(input: TwoSampleInput): TwoSampleSize {
  const { sigmaControl, sigmaTreatment, minimumEffect, alpha, power, allocationRatio, sides } = input;
  if (!(sigmaControl >= 0 && sigmaTreatment >= 0) || sigmaControl + sigmaTreatment === 0) {
    throw new RangeError(`standard deviations must be >= 0 and not both 0, got ${sigmaControl}, ${sigmaTreatment}`);
  }
  if (!(Math.abs(minimumEffect) > 0)) throw new RangeError(`minimumEffect must be non-zero, got ${minimumEffect}`);
  checkProbability('alpha', alpha);
  checkProbability('power', power);
  if (!(allocationRatio > 0)) throw new RangeError(`allocationRatio (n_B / n_A) must be > 0, got ${allocationRatio}`);
  const zAlpha = normalQuantile(1 - alpha / sides);
  const zBeta = normalQuantile(power);
  const variance = sigmaControl ** 2 + sigmaTreatment ** 2 / allocationRatio;
  const control = Math.ceil(((zAlpha + zBeta) ** 2 * variance) / minimumEffect ** 2);
  const treatment = Math.ceil(allocationRatio * control);
  return { control, treatment, total: control + treatment };
}

/** The same design's power at a given control size (the other tail ignored, as in the size formula). */
export function twoSamplePower(input: Omit<TwoSampleInput, 'power'> & { controlSize: number }): number {
  const { sigmaControl, sigmaTreatment, minimumEffect, alpha, allocationRatio, sides, controlSize } = input;
  const se = Math.sqrt(sigmaControl ** 2 / controlSize + sigmaTreatment ** 2 / (allocationRatio * controlSize));
  return normalCdf(Math.abs(minimumEffect) / se - normalQuantile(1 - alpha / sides));
}

/** Sizes for rates: baseline p_A and the treatment rate p_A + minimumEffect. */
export function proportionSampleSize(input: {
  baselineRate: number;
  minimumEffect: number;
  alpha: number;
  power: number;
  allocationRatio: number;
  sides: 1 | 2;
}): TwoSampleSize {
  const pA = input.baselineRate;
  const pB = pA + input.minimumEffect;
  if (!(pA > 0 && pA < 1)) throw new RangeError(`baselineRate must be in (0, 1), got ${pA}`);
  if (!(pB > 0 && pB < 1)) throw new RangeError(`baselineRate + minimumEffect must be in (0, 1), got ${pB}`);
  return twoSampleSize({
    sigmaControl: Math.sqrt(pA * (1 - pA)),
    sigmaTreatment: Math.sqrt(pB * (1 - pB)),
    minimumEffect: input.minimumEffect,
    alpha: input.alpha,
    power: input.power,
    allocationRatio: input.allocationRatio,
    sides: input.sides,
  });
}

/** Seconds until both arms reach their sizes at `requestsPerSecond` split by the two shares. */
export function expectedDurationSeconds(
  size: TwoSampleSize,
  requestsPerSecond: number,
  shares: { control: number; treatment: number },
): number {
  if (!(requestsPerSecond > 0)) throw new RangeError(`requestsPerSecond must be > 0, got ${requestsPerSecond}`);
  if (!(shares.control > 0 && shares.treatment > 0)) {
    throw new RangeError(`both arms need a share above 0, got ${shares.control} and ${shares.treatment}`);
  }
  const total = shares.control + shares.treatment;
  return Math.max(
    size.control / ((requestsPerSecond * shares.control) / total),
    size.treatment / ((requestsPerSecond * shares.treatment) / total),
  );
}

function checkProbability(field: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${field} must be in (0, 1), got ${value}`);
}
