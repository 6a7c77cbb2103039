import { lnBetaDensity, regularizedBeta } from './gamma-beta-functions.ts';

/**
 * A Bayesian Beta-Binomial summary of two rates, reported beside the frequentist verdict
 * and never mixed into it (the verdict is the mSPRT's and the guardrail's alone): with a
 * Beta(a, b) prior each arm's rate has the posterior Beta(a + x, b + n - x), and we report
 *
 * - P(θ_B > θ_A), the "chance to beat control",
 * - the expected loss of each choice, E[max(θ_A - θ_B, 0)] for choosing B and
 *   E[max(θ_B - θ_A, 0)] for choosing A when higher is better (swapped when lower is),
 *   as in Chris Stucchio, "Bayesian A/B Testing at VWO" (2015), section 4.
 *
 * Both are one-dimensional integrals over the sharper posterior of the other's CDF or
 * partial expectation, E[(X - c)+] = μ(1 - I_c(a + 1, b)) - c(1 - I_c(a, b)) for
 * X ~ Beta(a, b), by composite Gauss-Legendre over ±40 posterior standard deviations,
 * so large counts (millions of requests) cost the same as small ones.
 */

export interface BetaPrior {
  a: number;
  b: number;
}

export const UNIFORM_PRIOR: BetaPrior = { a: 1, b: 1 };

export interface RateCounts {
  n: number;
  successes: number;
}

export interface BetaBinomialSummary {
  control: { mean: number; a: number; b: number };
  treatment: { mean: number; a: number; b: number };
  /** P(θ_B > θ_A). */
  probabilityTreatmentAbove: number;
  /** Probability that B is the better arm, given the metric's direction. */
  probabilityTreatmentBetter: number;
  /** Expected loss (in rate units) of shipping B, and of keeping A. */
  expectedLossChoosingTreatment: number;
  expectedLossChoosingControl: number;
}

interface BetaParams {
  a: number;
  b: number;
}

function posterior(counts: RateCounts, prior: BetaPrior): BetaParams {
  if (!(counts.n >= 0) || !(counts.successes >= 0) || counts.successes > counts.n) {
    throw new RangeError(`rate counts need 0 <= successes <= n, got successes=${counts.successes}, n=${counts.n}`);
  }
  return { a: prior.a + counts.successes, b: prior.b + counts.n - counts.successes };
}

const meanOf = (p: BetaParams) => p.a / (p.a + p.b);
const sdOf = (p: BetaParams) => Math.sqrt((p.a * p.b) / ((p.a + p.b) ** 2 * (p.a + p.b + 1)));

/** E[(X - c)+] for X ~ Beta(a, b). */
function upperPartialExpectation(c: number, p: BetaParams): number {
  return meanOf(p) * (1 - regularizedBeta(c, p.a + 1, p.b)) - c * (1 - regularizedBeta(c, p.a, p.b));
}

/** E[(c - X)+] for X ~ Beta(a, b). */
function lowerPartialExpectation(c: number, p: BetaParams): number {
  return c * regularizedBeta(c, p.a, p.b) - meanOf(p) * regularizedBeta(c, p.a + 1, p.b);
}

/** Gauss-Legendre nodes and weights on [-1, 1] (Newton on P_n; Golub-Welsch would do as well). */
function gaussLegendre(order: number): { nodes: number[]; weights: number[] } {
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let i = 1; i <= order; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (order + 0.5));
    let derivative = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= order; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      derivative = (order * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / derivative;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    nodes.push(x);
    weights.push(2 / ((1 - x * x) * derivative * derivative));
  }
  return { nodes, weights };
}

const RULE = gaussLegendre(10);
const PANELS = 120;
const SPAN_SDS = 40;

/** ∫ f_p(x) g(x) dx over p's posterior. */
function integrateAgainst(p: BetaParams, g: (x: number) => number): number {
  const mean = meanOf(p);
  const sd = sdOf(p);
  const lo = Math.max(0, mean - SPAN_SDS * sd);
  const hi = Math.min(1, mean + SPAN_SDS * sd);
  const width = (hi - lo) / PANELS;
  let total = 0;
  for (let panel = 0; panel < PANELS; panel++) {
    const mid = lo + (panel + 0.5) * width;
    for (let i = 0; i < RULE.nodes.length; i++) {
      const x = mid + (RULE.nodes[i] as number) * (width / 2);
      if (x <= 0 || x >= 1) continue;
      const density = Math.exp(lnBetaDensity(x, p.a, p.b));
      if (density === 0) continue;
      total += (RULE.weights[i] as number) * (width / 2) * density * g(x);
    }
  }
  return total;
}

export function betaBinomialSummary(
  control: RateCounts,
  treatment: RateCounts,
  options: { higherIsBetter: boolean; prior?: BetaPrior },
): BetaBinomialSummary {
  const prior = options.prior ?? UNIFORM_PRIOR;
  if (!(prior.a > 0 && prior.b > 0)) throw new RangeError(`Beta prior needs a, b > 0, got ${prior.a}, ${prior.b}`);
  const A = posterior(control, prior);
  const B = posterior(treatment, prior);
  // Integrate over the sharper posterior so the other one's CDF is smooth on each panel.
  const overA = sdOf(A) <= sdOf(B);
  const probabilityTreatmentAbove = overA
    ? integrateAgainst(A, (x) => 1 - regularizedBeta(x, B.a, B.b))
    : integrateAgainst(B, (y) => regularizedBeta(y, A.a, A.b));
  // E[(θ_A - θ_B)+]; its mirror follows from E[x+] - E[(-x)+] = E[x].
  const aAboveB = overA
    ? integrateAgainst(A, (x) => lowerPartialExpectation(x, B))
    : integrateAgainst(B, (y) => upperPartialExpectation(y, A));
  const bAboveA = aAboveB + meanOf(B) - meanOf(A);
  const higher = options.higherIsBetter;
  return {
    control: { mean: meanOf(A), a: A.a, b: A.b },
    treatment: { mean: meanOf(B), a: B.a, b: B.b },
    probabilityTreatmentAbove,
    probabilityTreatmentBetter: higher ? probabilityTreatmentAbove : 1 - probabilityTreatmentAbove,
    expectedLossChoosingTreatment: Math.max(0, higher ? aAboveB : bAboveA),
    expectedLossChoosingControl: Math.max(0, higher ? bAboveA : aAboveB),
  };
}
