import { mulberry32 } from '../random/mulberry32.ts';
import { proportionArm } from '../stats/arm-statistics.ts';
import {
  checkGuardrailConfig,
  initialGuardrailState,
  type RatioGuardrailConfig,
  updateGuardrail,
} from '../stats/guardrail.ts';
import { advanceMsprt, checkMsprtConfig, initialMsprtState, type MsprtConfig, msprtLook } from '../stats/msprt.ts';
import { zTestPValue } from '../stats/z-test.ts';

/**
 * Seeded simulations of continuously monitored experiments: the evidence that the
 * sequential tests keep their error rates under peeking and that the naive z-test does not
 * (Johari et al. 2017, section 2), and how fast the guardrail catches a breach. Pure and
 * deterministic for a seed; used by the tests (small) and bench/abtest.ts (large).
 */

/** Binomial(n, p) by inversion on the smaller tail: O(n·min(p, 1-p)) per draw, exact. */
export function binomial(random: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const flip = p > 0.5;
  const q = flip ? 1 - p : p;
  const ratio = q / (1 - q);
  let probability = (1 - q) ** n;
  let cumulative = probability;
  const u = random();
  let k = 0;
  while (u > cumulative && k < n) {
    probability *= (ratio * (n - k)) / (k + 1);
    k++;
    cumulative += probability;
    if (probability === 0 && cumulative < u) break; // underflow in the far tail: stop at k
  }
  return flip ? n - k : k;
}

export interface MonitoringSimulation {
  simulations: number;
  looks: number;
  /** Requests per look (both arms), split by treatmentShare. */
  requestsPerLook: number;
  treatmentShare: number;
  controlRate: number;
  treatmentRate: number;
  /** Looks before this many requests per arm are not tested (as the verdict's minSamplesPerArm). */
  minSamplesPerArm: number;
  msprt: MsprtConfig;
  seed: number;
}

export interface MonitoringOutcome {
  /** Share of simulations where the mSPRT's always-valid p-value reached α at some look. */
  sequentialRejectionRate: number;
  /** Share where the fixed-horizon z-test's p-value was ≤ α at some look (peeking). */
  naiveRejectionRate: number;
  /** The same z-test, looked at once, at the last look only (its honest use). */
  finalLookRejectionRate: number;
  /** Median requests at which the mSPRT first rejected, among simulations that did. */
  medianRequestsToSequentialRejection: number | undefined;
  /** Look computations per simulation, for rates. */
  updates: number;
}

export function simulateMonitoring(s: MonitoringSimulation): MonitoringOutcome {
  checkMsprtConfig(s.msprt);
  const random = mulberry32(s.seed);
  let sequential = 0;
  let naive = 0;
  let finalLook = 0;
  const stopsAt: number[] = [];
  for (let sim = 0; sim < s.simulations; sim++) {
    let nA = 0;
    let xA = 0;
    let nB = 0;
    let xB = 0;
    let state = initialMsprtState();
    let naiveRejected = false;
    let lastZ = 1;
    for (let look = 0; look < s.looks; look++) {
      const b = binomial(random, s.requestsPerLook, s.treatmentShare);
      const a = s.requestsPerLook - b;
      nA += a;
      nB += b;
      xA += binomial(random, a, s.controlRate);
      xB += binomial(random, b, s.treatmentRate);
      if (Math.min(nA, nB) < s.minSamplesPerArm) continue;
      const control = proportionArm(nA, xA);
      const treatment = proportionArm(nB, xB);
      const before = state.rejectedAtLook;
      state = advanceMsprt(state, msprtLook(control, treatment, s.msprt), s.msprt.alpha);
      if (before === undefined && state.rejectedAtLook !== undefined) stopsAt.push(nA + nB);
      lastZ = zTestPValue(control, treatment);
      if (lastZ <= s.msprt.alpha) naiveRejected = true;
    }
    if (state.rejectedAtLook !== undefined) sequential++;
    if (naiveRejected) naive++;
    if (lastZ <= s.msprt.alpha) finalLook++;
  }
  return {
    sequentialRejectionRate: sequential / s.simulations,
    naiveRejectionRate: naive / s.simulations,
    finalLookRejectionRate: finalLook / s.simulations,
    medianRequestsToSequentialRejection: median(stopsAt),
    updates: s.looks,
  };
}

export interface GuardrailSimulation {
  simulations: number;
  /** Stop a simulation (no rollback) after this many looks. */
  maxLooks: number;
  requestsPerLook: number;
  treatmentShare: number;
  controlErrorRate: number;
  treatmentErrorRate: number;
  guardrail: RatioGuardrailConfig;
  /** The naive rule's floor: it fires when the observed ratio exceeds k with at least this many B errors. */
  naiveMinErrors: number;
  seed: number;
}

export interface GuardrailOutcome {
  /** Share of simulations the e-process rolled back. */
  rollbackRate: number;
  /** Median requests (both arms) until the e-process rolled back, among those that did. */
  medianRequestsToRollback: number | undefined;
  /** The naive rule "observed B/A error ratio > k" checked at every look. */
  naiveRollbackRate: number;
  medianRequestsToNaiveRollback: number | undefined;
}

export function simulateGuardrail(s: GuardrailSimulation): GuardrailOutcome {
  checkGuardrailConfig(s.guardrail);
  const random = mulberry32(s.seed);
  const k = s.guardrail.maxRatio;
  const ours: number[] = [];
  const naive: number[] = [];
  for (let sim = 0; sim < s.simulations; sim++) {
    let state = initialGuardrailState(s.guardrail);
    let nA = 0;
    let nB = 0;
    let xA = 0;
    let xB = 0;
    let naiveFired = false;
    for (let look = 0; look < s.maxLooks; look++) {
      const b = binomial(random, s.requestsPerLook, s.treatmentShare);
      const a = s.requestsPerLook - b;
      const eA = binomial(random, a, s.controlErrorRate);
      const eB = binomial(random, b, s.treatmentErrorRate);
      nA += a;
      nB += b;
      xA += eA;
      xB += eB;
      state = updateGuardrail(
        state,
        { controlRequests: a, controlErrors: eA, treatmentRequests: b, treatmentErrors: eB },
        s.guardrail,
      );
      if (!naiveFired && xB >= s.naiveMinErrors && xB / nB > (k * xA) / Math.max(nA, 1)) {
        naiveFired = true;
        naive.push(nA + nB);
      }
      if (state.breachedAtLook !== undefined) {
        ours.push(nA + nB);
        break;
      }
    }
  }
  return {
    rollbackRate: ours.length / s.simulations,
    medianRequestsToRollback: median(ours),
    naiveRollbackRate: naive.length / s.simulations,
    medianRequestsToNaiveRollback: median(naive),
  };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
