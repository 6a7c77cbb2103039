import { type ArmStatistics, armMean, armVariance } from './arm-statistics.ts';

/**
 * The normal-mixture mixture sequential probability ratio test (mSPRT) for the difference
 * of two arms, with its always-valid p-value and confidence sequence.
 *
 * Johari, Koomen, Pekelis & Walsh, "Peeking at A/B Tests: Why it matters, and what to do
 * about it", KDD 2017 (and "Always Valid Inference", arXiv:1512.04922): with a N(θ0, τ²)
 * mixture over the effect, the likelihood ratio of the difference estimate Δ̂ (variance
 * V = σ²_A/n_A + σ²_B/n_B) against θ0 is
 *
 *   Λ_n = sqrt(V / (V + τ²)) · exp( τ² (Δ̂ - θ0)² / (2 V (V + τ²)) ),
 *
 * a non-negative martingale under H0, so by Ville's inequality P(∃n: Λ_n ≥ 1/α) ≤ α and
 * p_n = min(p_{n-1}, 1/Λ_n) is a p-value valid at every look ("always valid").
 *
 * GrowthBook's parameterisation (gbstats 0.8 SequentialTwoSidedTTest, after Waudby-Smith
 * et al., "Time-uniform central limit theory and asymptotic confidence sequences",
 * arXiv:2103.06476v7) writes N = n_A + n_B, s² = N·V and τ² = ρ² s², which gives
 *
 *   Λ_N = exp( ρ² N² (Δ̂ - θ0)² / (2 s² (N ρ² + 1)) ) / sqrt(N ρ² + 1)          (eq. 155)
 *
 * and the mixture width ρ is chosen so that the sequence is tightest at the planned total
 * sample size N* ("sequential tuning parameter", default 5000):
 *
 *   ρ² = (-2 ln α + ln(-2 ln α + 1)) / N*                                         (eq. 161)
 *
 * The confidence sequence at look N is Δ̂ ± sqrt(s²) · sqrt( 2(Nρ² + 1) ln( sqrt(Nρ² + 1) / α ) / (Nρ)² )
 * (eq. 9), the set of θ0 with Λ_N(θ0) < 1/α. We follow gbstats term for term so the two
 * agree to rounding on the same sufficient statistics; the running minimum of the p-value
 * and the running intersection of the intervals (Johari et al., section 3) are ours, since
 * gbstats evaluates one look at a time.
 */

export type DifferenceType = 'absolute' | 'relative';

export interface MsprtConfig {
  /** Type I error over the whole, continuously monitored experiment. */
  alpha: number;
  /** N*: the total sample size (both arms) at which the confidence sequence is tightest. */
  plannedSamples: number;
  /** absolute: mean_B - mean_A; relative: (mean_B - mean_A) / mean_A, by the delta method (as gbstats). */
  difference: DifferenceType;
  /** θ0, the effect under the null hypothesis. */
  nullEffect: number;
  /**
   * Proportions only: a look counts once the smaller arm expects this many events of the
   * rarer kind at the pooled rate, min(n_A, n_B)·min(p̄, 1 - p̄) (the textbook np >= 10 rule
   * for the normal approximation). gbstats computes at any size; with rare errors (1%) and
   * a few hundred requests, the plug-in variance of an arm with no errors yet is 0 and
   * the test fires falsely (our A/A simulation: 12% at α = 0.05 without the rule, under 5% with it).
   */
  minExpectedEvents: number;
  /**
   * Means only: a look counts once each arm holds this many values (the textbook n >= 30
   * for the central limit theorem). The mSPRT treats the plug-in variance as known; from a
   * handful of values it is itself noisy (the statistic is closer to Student's t than to a
   * normal), and gbstats' n >= 2 alone let 7.8% of A/A experiments decide at alpha 0.05
   * (minSamplesPerArm 0, N* 500, traffic from one request a look; 4.1% with this floor at
   * 30: bench/abtest.ts, aaMeanTinyArms.noMinimumSample).
   */
  minMeanSamples: number;
}

export const DEFAULT_MSPRT: MsprtConfig = {
  alpha: 0.05,
  plannedSamples: 5000,
  difference: 'absolute',
  nullEffect: 0,
  minExpectedEvents: 10,
  minMeanSamples: 30,
};

/** One look: the statistic at the current sufficient statistics. */
export interface MsprtLook {
  /**
   * False when the data cannot say anything yet: an arm with fewer than 2 units, a mean arm
   * with no variance, too few expected events for proportions, a zero baseline for relative.
   */
  informative: boolean;
  /** Total sample size N = n_A + n_B. */
  n: number;
  /** Δ̂, absolute or relative. */
  estimate: number;
  /** V, the variance of Δ̂. */
  variance: number;
  /** Λ_N, the mixture likelihood ratio (an e-value). */
  eValue: number;
  /** min(1, 1/Λ_N) at this look alone (what gbstats reports). */
  pValue: number;
  /** The confidence sequence at this look: [lower, upper]; null (the whole line) when uninformative. */
  interval: [number, number] | null;
}

export function mixtureRhoSquared(alpha: number, plannedSamples: number): number {
  const l = -2 * Math.log(alpha);
  return (l + Math.log(l + 1)) / plannedSamples;
}

export function checkMsprtConfig(config: MsprtConfig): void {
  if (!(config.alpha > 0 && config.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${config.alpha}`);
  if (!(config.plannedSamples > 0)) {
    throw new RangeError(`plannedSamples (N*) must be > 0, got ${config.plannedSamples}`);
  }
  if (!Number.isFinite(config.nullEffect)) throw new RangeError(`nullEffect must be finite, got ${config.nullEffect}`);
  if (!(config.minExpectedEvents >= 0)) {
    throw new RangeError(`minExpectedEvents must be >= 0, got ${config.minExpectedEvents}`);
  }
  if (!(config.minMeanSamples >= 2)) {
    throw new RangeError(`minMeanSamples must be >= 2 (a variance needs two values), got ${config.minMeanSamples}`);
  }
}

function differenceOf(control: ArmStatistics, treatment: ArmStatistics, type: DifferenceType) {
  const meanA = armMean(control);
  const meanB = armMean(treatment);
  const varA = armVariance(control);
  const varB = armVariance(treatment);
  if (type === 'relative') {
    // gbstats frequentist_diff / frequentist_variance with relative=True (delta method).
    return {
      estimate: (meanB - meanA) / meanA,
      variance: varB / (meanA * meanA * treatment.n) + (varA * meanB * meanB) / (meanA ** 4 * control.n),
      degenerate: meanA === 0,
    };
  }
  return { estimate: meanB - meanA, variance: varB / treatment.n + varA / control.n, degenerate: false };
}

/** A look that says nothing: e-value 1, p-value 1, the whole line as interval. */
export function uninformativeLook(n: number): MsprtLook {
  return { informative: false, n, estimate: 0, variance: 0, eValue: 1, pValue: 1, interval: null };
}

export function msprtLook(control: ArmStatistics, treatment: ArmStatistics, config: MsprtConfig): MsprtLook {
  const n = control.n + treatment.n;
  const uninformative = uninformativeLook(n);
  // gbstats' rule for means (TTest._has_zero_variance, SampleMeanStatistic.variance = 0 at
  // n <= 1): an arm of one value, or of identical values, has no variance estimate, and
  // plugging in 0 makes V = σ²_other/n_other alone, so a single draw looks like a huge z.
  if (control.n < 2 || treatment.n < 2) return uninformative;
  if (control.kind === 'mean' && treatment.kind === 'mean') {
    if (Math.min(control.n, treatment.n) < config.minMeanSamples) return uninformative;
    if (!(armVariance(control) > 0 && armVariance(treatment) > 0)) return uninformative;
  }
  // Proportions depart from gbstats on purpose: gbstats refuses a look as soon as one arm has
  // p(1 - p) = 0 (no errors yet), which at a 1% error rate silences the test for hundreds of
  // requests, and a treatment that never errs would never be shipped. We keep the look when
  // the pooled rate is informative: V > 0 and the rare-event gate below (the smaller arm
  // expects minExpectedEvents events at the pooled rate), which keeps A/A false positives
  // under alpha (test/unit/core/abtest/simulation.test.ts).
  if (control.kind === 'proportion' && treatment.kind === 'proportion' && config.minExpectedEvents > 0) {
    const pooled = (control.successes + treatment.successes) / n;
    if (Math.min(control.n, treatment.n) * Math.min(pooled, 1 - pooled) < config.minExpectedEvents)
      return uninformative;
  }
  const { estimate, variance, degenerate } = differenceOf(control, treatment, config.difference);
  if (degenerate || !(variance > 0) || !Number.isFinite(estimate)) {
    return { ...uninformative, estimate: Number.isFinite(estimate) ? estimate : 0 };
  }
  const rho2 = mixtureRhoSquared(config.alpha, config.plannedSamples);
  const s2 = variance * n;
  const tr2p1 = n * rho2 + 1;
  const st2 = ((estimate - config.nullEffect) ** 2 * n) / variance;
  const logE = (rho2 * st2) / (2 * tr2p1) - 0.5 * Math.log(tr2p1);
  const eValue = Math.exp(logE);
  const width = Math.sqrt(s2) * Math.sqrt((2 * tr2p1 * Math.log(Math.sqrt(tr2p1) / config.alpha)) / (n * n * rho2));
  return {
    informative: true,
    n,
    estimate,
    variance,
    eValue,
    pValue: Math.min(1, Math.exp(-logE)),
    interval: [estimate - width, estimate + width],
  };
}

/** What carries over between looks: O(1), serializable. */
export interface MsprtState {
  looks: number;
  /** Always-valid p-value: the running minimum of 1/Λ over informative looks. */
  pValue: number;
  /** The running intersection of the confidence sequences; null (unbounded) before an informative look. */
  interval: [number, number] | null;
  /** The look at which p first fell to alpha or below; undefined while it has not. */
  rejectedAtLook: number | undefined;
}

export function initialMsprtState(): MsprtState {
  return {
    looks: 0,
    pValue: 1,
    interval: null,
    rejectedAtLook: undefined,
  };
}

export function advanceMsprt(state: MsprtState, look: MsprtLook, alpha: number): MsprtState {
  const looks = state.looks + 1;
  if (!look.informative || !look.interval) return { ...state, looks };
  const pValue = Math.min(state.pValue, look.pValue);
  const previous = state.interval ?? look.interval;
  // Intersecting is what makes the sequence an always-valid interval for a fixed effect
  // (Johari et al. §3; Howard et al. 2021, "Time-uniform, nonparametric, nonasymptotic
  // confidence sequences", Proposition on running intersections).
  let lower = Math.max(previous[0], look.interval[0]);
  let upper = Math.min(previous[1], look.interval[1]);
  if (lower > upper) {
    // Empty only if the effect is not stationary (or by an alpha-probability accident);
    // report the current look rather than an empty set.
    [lower, upper] = look.interval;
  }
  return {
    looks,
    pValue,
    interval: [lower, upper],
    rejectedAtLook: state.rejectedAtLook ?? (pValue <= alpha ? looks : undefined),
  };
}
