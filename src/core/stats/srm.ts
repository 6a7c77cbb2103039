import { chiSquaredSurvival, lnGamma } from './gamma-beta-functions.ts';

/**
 * Sample-ratio mismatch: did the arms receive the split they were configured for? A
 * mismatch (a crashing variant, a biased hash, a cache answering only one arm) makes every
 * comparison between the arms suspect (Fabijan et al., "Diagnosing Sample Ratio Mismatch in
 * Online Controlled Experiments", KDD 2019).
 *
 * Two statistics, reported side by side:
 * - the Pearson chi-squared p-value, exactly as gbstats' check_srm (GrowthBook flags below
 *   0.001): what people know, but a fixed-horizon test, so repeated looks inflate it;
 * - the Dirichlet-multinomial Bayes factor of Lindon & Malek, "Anytime-Valid Inference for
 *   Multinomial Count Data", NeurIPS 2022, eq. (4): with a Dirichlet(α) prior on the arm
 *   probabilities,
 *
 *     BF_n = Γ(Σα) / Γ(Σα + n) · Π Γ(α_i + x_i) / Γ(α_i) / Π θ0_i^(x_i),
 *
 *   a martingale under H0: θ = θ0, so rejecting when BF ≥ 1/α keeps the error at α under
 *   continuous monitoring. This one decides; α_i = concentration · θ0_i (prior centred on the
 *   planned split).
 */

export interface SrmConfig {
  alpha: number;
  /** Σα of the Dirichlet prior; smaller reacts to big mismatches sooner, larger to small ones. */
  concentration: number;
}

export const DEFAULT_SRM: SrmConfig = { alpha: 0.001, concentration: 100 };

export interface SrmResult {
  /** Observed share of each arm, in the order given. */
  observedShares: number[];
  expectedShares: number[];
  chiSquared: number;
  /** gbstats check_srm: chi2.sf(x, k - 1); 1 when there is no traffic. */
  chiSquaredPValue: number;
  /** Lindon & Malek's anytime-valid Bayes factor (an e-value). */
  eValue: number;
  threshold: number;
  mismatch: boolean;
}

function checkInputs(counts: readonly number[], weights: readonly number[]): void {
  if (counts.length !== weights.length || counts.length < 2) {
    throw new RangeError(
      `need one weight per arm and at least two arms, got ${counts.length} counts, ${weights.length} weights`,
    );
  }
  if (counts.some((c) => !(c >= 0) || !Number.isFinite(c)))
    throw new RangeError(`counts must be >= 0, got [${counts.join(', ')}]`);
  if (weights.some((w) => !(w >= 0)) || !weights.some((w) => w > 0)) {
    throw new RangeError(`weights must be >= 0 with one above 0, got [${weights.join(', ')}]`);
  }
}

/** gbstats.utils.check_srm, term for term: arms with weight 0 add nothing to the statistic. */
export function chiSquaredSrm(
  counts: readonly number[],
  weights: readonly number[],
): { statistic: number; pValue: number } {
  checkInputs(counts, weights);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return { statistic: 0, pValue: 1 };
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  let x = 0;
  counts.forEach((observed, i) => {
    const w = weights[i] as number;
    if (w <= 0) return;
    const expected = (w / totalWeight) * total;
    x += (observed - expected) ** 2 / expected;
  });
  return { statistic: x, pValue: chiSquaredSurvival(x, counts.length - 1) };
}

/** ln of Lindon & Malek's Bayes factor. An arm planned at weight 0 that sees traffic is an infinite mismatch. */
export function lnDirichletMultinomialBayesFactor(
  counts: readonly number[],
  weights: readonly number[],
  concentration: number,
): number {
  checkInputs(counts, weights);
  if (!(concentration > 0)) throw new RangeError(`concentration must be > 0, got ${concentration}`);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const n = counts.reduce((a, b) => a + b, 0);
  let ln = lnGamma(concentration) - lnGamma(concentration + n);
  for (let i = 0; i < counts.length; i++) {
    const x = counts[i] as number;
    const theta = (weights[i] as number) / totalWeight;
    if (theta === 0) {
      if (x > 0) return Number.POSITIVE_INFINITY;
      continue;
    }
    const a = concentration * theta;
    ln += lnGamma(a + x) - lnGamma(a) - x * Math.log(theta);
  }
  return ln;
}

export function sampleRatioMismatch(
  counts: readonly number[],
  weights: readonly number[],
  config: SrmConfig = DEFAULT_SRM,
): SrmResult {
  const chi = chiSquaredSrm(counts, weights);
  const total = counts.reduce((a, b) => a + b, 0);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const eValue = Math.exp(lnDirichletMultinomialBayesFactor(counts, weights, config.concentration));
  return {
    observedShares: counts.map((c) => (total > 0 ? c / total : Number.NaN)),
    expectedShares: weights.map((w) => w / totalWeight),
    chiSquared: chi.statistic,
    chiSquaredPValue: chi.pValue,
    eValue,
    threshold: 1 / config.alpha,
    mismatch: eValue >= 1 / config.alpha,
  };
}
