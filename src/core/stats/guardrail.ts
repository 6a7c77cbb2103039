/**
 * A guardrail e-process for "the error rate of B is more than k times A's" (the playbook:
 * "variant B error rate > 2x variant A -> auto-rollback to 100% A"), from error and
 * request counters only.
 *
 * Model. Errors are rare events, so in an interval where the arms served n_A and n_B
 * requests, errors arrive as independent Poisson counts with means n_A·λ_A and n_B·λ_B.
 * Given the interval's total E, each error came from B independently with probability
 *
 *   q(r) = r·n_B / (r·n_B + n_A),   r = λ_B / λ_A,
 *
 * which increases with r. H0: r ≤ k (B within its allowance). For an alternative r' > k the
 * conditional likelihood ratio of the interval against the boundary r = k,
 *
 *   LR = (q(r') / q(k))^(x_B) · ((1 - q(r')) / (1 - q(k)))^(x_A),
 *
 * has expectation ≤ 1 under every r ≤ k (it is linear in q with value 1 at q(k) and a
 * positive slope), so the product over intervals is a test supermartingale for the whole
 * composite null, and so is any fixed mixture over alternatives (Ramdas, Grünwald, Vovk &
 * Shafer, "Game-theoretic statistics and safe anytime-valid inference", Stat. Sci. 2023,
 * section 3). Ville's inequality then bounds the chance that the mixture ever reaches 1/α
 * under H0 by α: the rollback may be checked after every scrape without peeking.
 *
 * In logs, per interval and alternative r': x_B·ln(r'/k) + E·ln((k·n_B + n_A) / (r'·n_B + n_A)).
 * The interval's own exposure ratio enters, so a split that changes mid-test stays valid.
 *
 * Limitation (stated, and tested by simulation at the boundary): the Poisson conditioning
 * is the rare-event approximation of two binomials; with error rates of tens of percent
 * the exact conditional law (Fisher's noncentral hypergeometric) has a larger B share at
 * r = k and the test becomes anti-conservative. Guardrails guard rare errors.
 */

export interface RatioGuardrailConfig {
  /** k: the largest acceptable ratio of B's error rate to A's. */
  maxRatio: number;
  /** Chance of a false rollback over the whole experiment. */
  alpha: number;
  /** Alternatives r'/k mixed with equal weight; more weight near 1 detects small breaches sooner. */
  alternatives: readonly number[];
}

export const DEFAULT_GUARDRAIL_ALTERNATIVES: readonly number[] = [1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 6, 10];

export const DEFAULT_RATIO_GUARDRAIL: RatioGuardrailConfig = {
  maxRatio: 2,
  alpha: 0.05,
  alternatives: DEFAULT_GUARDRAIL_ALTERNATIVES,
};

export interface GuardrailIncrement {
  controlRequests: number;
  controlErrors: number;
  treatmentRequests: number;
  treatmentErrors: number;
}

/** O(number of alternatives) = O(1), serializable. */
export interface RatioGuardrailState {
  totals: GuardrailIncrement;
  /** ln LR per alternative, in the order of config.alternatives. */
  logLikelihoodRatios: number[];
  /** The look at which the e-value first reached 1/α; undefined while it has not. */
  breachedAtLook: number | undefined;
  looks: number;
}

export function checkGuardrailConfig(config: RatioGuardrailConfig): void {
  if (!(config.maxRatio > 0)) throw new RangeError(`maxRatio (k) must be > 0, got ${config.maxRatio}`);
  if (!(config.alpha > 0 && config.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${config.alpha}`);
  if (config.alternatives.length === 0 || config.alternatives.some((m) => !(m > 1))) {
    throw new RangeError(`alternatives must be multiples of k above 1, got [${config.alternatives.join(', ')}]`);
  }
}

export function initialGuardrailState(config: RatioGuardrailConfig): RatioGuardrailState {
  return {
    totals: { controlRequests: 0, controlErrors: 0, treatmentRequests: 0, treatmentErrors: 0 },
    logLikelihoodRatios: config.alternatives.map(() => 0),
    breachedAtLook: undefined,
    looks: 0,
  };
}

export function updateGuardrail(
  state: RatioGuardrailState,
  increment: GuardrailIncrement,
  config: RatioGuardrailConfig,
): RatioGuardrailState {
  for (const [field, value] of Object.entries(increment)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`guardrail increment ${field} must be a finite count >= 0, got ${value}`);
    }
  }
  const { controlRequests: nA, treatmentRequests: nB, controlErrors: xA, treatmentErrors: xB } = increment;
  const k = config.maxRatio;
  const errors = xA + xB;
  const logLikelihoodRatios = state.logLikelihoodRatios.map((llr, i) => {
    // Without exposure in both arms an error's origin says nothing about the ratio.
    if (errors === 0 || nA === 0 || nB === 0) return llr;
    const r = k * (config.alternatives[i] as number);
    return llr + xB * Math.log(r / k) + errors * Math.log((k * nB + nA) / (r * nB + nA));
  });
  const looks = state.looks + 1;
  const next: RatioGuardrailState = {
    totals: {
      controlRequests: state.totals.controlRequests + nA,
      controlErrors: state.totals.controlErrors + xA,
      treatmentRequests: state.totals.treatmentRequests + nB,
      treatmentErrors: state.totals.treatmentErrors + xB,
    },
    logLikelihoodRatios,
    breachedAtLook: state.breachedAtLook,
    looks,
  };
  if (next.breachedAtLook === undefined && guardrailEValue(next) >= 1 / config.alpha) next.breachedAtLook = looks;
  return next;
}

/** The equal-weight mixture of the likelihood ratios (computed in logs to avoid overflow). */
export function guardrailEValue(state: RatioGuardrailState): number {
  const llrs = state.logLikelihoodRatios;
  const max = Math.max(...llrs);
  const sum = llrs.reduce((acc, llr) => acc + Math.exp(llr - max), 0);
  return Math.exp(max + Math.log(sum / llrs.length));
}

export interface GuardrailResult {
  eValue: number;
  threshold: number;
  breached: boolean;
  /** Observed error rates and their ratio (B / A); NaN where undefined. */
  controlRate: number;
  treatmentRate: number;
  observedRatio: number;
}

export function guardrailResult(state: RatioGuardrailState, config: RatioGuardrailConfig): GuardrailResult {
  const t = state.totals;
  const controlRate = t.controlRequests > 0 ? t.controlErrors / t.controlRequests : Number.NaN;
  const treatmentRate = t.treatmentRequests > 0 ? t.treatmentErrors / t.treatmentRequests : Number.NaN;
  return {
    eValue: guardrailEValue(state),
    threshold: 1 / config.alpha,
    breached: state.breachedAtLook !== undefined,
    controlRate,
    treatmentRate,
    observedRatio: treatmentRate / controlRate,
  };
}
