import type { ExperimentMetric } from '../spec/kinds/experiment.ts';
import { armMean } from '../stats/arm-statistics.ts';
import { type BetaBinomialSummary, betaBinomialSummary } from '../stats/beta-binomial.ts';
import { type GuardrailResult, guardrailResult } from '../stats/guardrail.ts';
import { initialMsprtState, msprtLook } from '../stats/msprt.ts';
import { type SrmResult, sampleRatioMismatch } from '../stats/srm.ts';
import type { ExperimentConfig } from './experiment-config.ts';
import { type ExperimentState, metricArm } from './experiment-state.ts';

/**
 * The A/B verdict: a pure function of the experiment's numbers that explains itself
 * (statistic, threshold, n per arm, interval, one-line reason). Precedence, most urgent first:
 *
 * 1. no_data   the counters could not be read (the caller says so): never act on missing data;
 * 2. rollback  the guardrail e-process reached 1/α: B's error rate is credibly above k x A's;
 * 3. continue  too few requests per arm for the mSPRT's normal approximation, or the split
 *              itself is broken (SRM), which makes any comparison suspect;
 * 4. ship_b / keep_a  the primary metric's always-valid p-value reached α, in B's or A's favour;
 * 5. keep_a    an arm reached maxSamplesPerArm with no evidence for B (futility);
 * 6. continue  otherwise.
 *
 * The Bayesian summary is reported beside the verdict and never consulted by it.
 */

export const DECISIONS = ['continue', 'ship_b', 'keep_a', 'rollback', 'no_data'] as const;
export type Decision = (typeof DECISIONS)[number];

export interface MetricReport {
  metric: ExperimentMetric;
  control: { n: number; mean: number };
  treatment: { n: number; mean: number };
  /** B - A (or relative), at the current look. */
  estimate: number;
  /** Always-valid p-value (running minimum). */
  pValue: number;
  /** The mixture likelihood ratio at the current look. */
  eValue: number;
  /** Always-valid confidence sequence (running intersection); null (unbounded) while uninformative. */
  interval: [number, number] | null;
  /** Where the interval lies against the null effect (0): a decision needs 'above' or 'below'. */
  side: IntervalSide;
  /** p <= alpha and the interval excludes the null effect, on the same side as the decision. */
  significant: boolean;
}

export type IntervalSide = 'above' | 'below' | 'contains';

/**
 * The p-value and the interval are two readings of one test (the interval is the set of
 * effects the test does not reject), so a decision must agree with both. They can part
 * when the running intersection of intervals came out empty and restarted from the latest
 * look (an effect that moved between looks): then p stays at its minimum while the interval
 * may straddle 0, and the interval, being the current evidence, wins.
 */
export function intervalSide(interval: [number, number] | null, nullEffect: number): IntervalSide {
  if (!interval) return 'contains';
  if (interval[0] > nullEffect) return 'above';
  if (interval[1] < nullEffect) return 'below';
  return 'contains';
}

export interface Verdict {
  experiment: string;
  decision: Decision;
  reason: string;
  statistic: { name: string; value: number };
  threshold: number;
  n: { control: number; treatment: number };
  interval: [number, number] | null;
  metrics: MetricReport[];
  guardrail: GuardrailResult | null;
  srm: SrmResult | null;
  /** Beside the verdict, never in it. */
  bayesian: (BetaBinomialSummary & { metric: ExperimentMetric }) | null;
}

export function noDataVerdict(config: ExperimentConfig, why: string, state?: ExperimentState): Verdict {
  return {
    experiment: config.name,
    decision: 'no_data',
    reason: `no data: ${why}; no rollback or ship is taken on missing data`,
    statistic: { name: 'none', value: Number.NaN },
    threshold: Number.NaN,
    n: { control: state?.totals.control.requests ?? 0, treatment: state?.totals.treatment.requests ?? 0 },
    interval: null,
    metrics: [],
    guardrail: null,
    srm: null,
    bayesian: null,
  };
}

export function metricReports(state: ExperimentState, config: ExperimentConfig): MetricReport[] {
  return config.metrics.map((metric) => {
    const a = metricArm(metric, state.totals.control);
    const b = metricArm(metric, state.totals.treatment);
    const look = msprtLook(a, b, config.msprt);
    const running = state.metrics[metric] ?? initialMsprtState();
    const side = intervalSide(running.interval, config.msprt.nullEffect);
    return {
      metric,
      control: { n: a.n, mean: armMean(a) },
      treatment: { n: b.n, mean: armMean(b) },
      estimate: look.estimate,
      pValue: running.pValue,
      eValue: look.eValue,
      interval: running.interval,
      side,
      significant: running.pValue <= config.msprt.alpha && side !== 'contains',
    };
  });
}

export function evaluateExperiment(state: ExperimentState, config: ExperimentConfig): Verdict {
  const { control, treatment } = config;
  const totals = state.totals;
  const n = { control: totals.control.requests, treatment: totals.treatment.requests };
  const metrics = metricReports(state, config);
  const primary = metrics[0] as MetricReport;
  const guardrail = guardrailResult(state.guardrail, config.guardrail);
  const srm = sampleRatioMismatch(
    [n.control, n.treatment],
    [config.plannedWeights.control, config.plannedWeights.treatment],
    config.srm,
  );
  const bayesMetric: ExperimentMetric =
    primary.metric === 'error_rate' || primary.metric === 'positive_rate' ? primary.metric : 'error_rate';
  const bayesArms = (c: ExperimentState['totals']['control']) =>
    bayesMetric === 'error_rate'
      ? { n: c.requests, successes: Math.min(c.errors, c.requests) }
      : { n: c.predictions, successes: Math.min(c.positives, c.predictions) };
  const bayesian = {
    metric: bayesMetric,
    ...betaBinomialSummary(bayesArms(totals.control), bayesArms(totals.treatment), {
      // error_rate is better lower; the primary's direction when it is the primary.
      higherIsBetter: bayesMetric === primary.metric ? config.higherIsBetter : false,
    }),
  };
  const base = { experiment: config.name, n, metrics, guardrail, srm, bayesian };
  const primaryVerdict = {
    statistic: { name: `${primary.metric} always-valid p-value`, value: primary.pValue },
    threshold: config.msprt.alpha,
    interval: primary.interval,
  };
  const errorInterval = metrics.find((m) => m.metric === 'error_rate')?.interval ?? primary.interval;

  if (guardrail.breached) {
    return {
      ...base,
      decision: 'rollback',
      reason:
        `${treatment} errors ${pct(guardrail.treatmentRate)} vs ${control} ${pct(guardrail.controlRate)} ` +
        `(ratio ${fmt(guardrail.observedRatio)}): guardrail e-value ` +
        (guardrail.eValue >= guardrail.threshold
          ? `${fmt(guardrail.eValue)} >= ${fmt(guardrail.threshold)}, `
          : `reached ${fmt(guardrail.threshold)} at look ${state.guardrail.breachedAtLook} (now ${fmt(guardrail.eValue)}), `) +
        `credibly above ${config.guardrail.maxRatio}x; roll back to 100% ${control}`,
      statistic: { name: 'guardrail e-value', value: guardrail.eValue },
      threshold: guardrail.threshold,
      interval: errorInterval,
    };
  }
  const fewest = Math.min(n.control, n.treatment);
  if (fewest < config.minSamplesPerArm) {
    const arm = n.control < n.treatment ? control : treatment;
    return {
      ...base,
      ...primaryVerdict,
      decision: 'continue',
      reason: `collecting: ${arm} has ${fewest} of the ${config.minSamplesPerArm} requests per arm needed before a ship/keep verdict; guardrail e-value ${fmt(guardrail.eValue)} < ${fmt(guardrail.threshold)}`,
    };
  }
  if (state.srmMismatchAtLook !== undefined) {
    const share = srm.observedShares[1] ?? Number.NaN;
    return {
      ...base,
      decision: 'continue',
      reason:
        `sample ratio mismatch: ${treatment} got ${pct(share)} of requests, planned ${pct(srm.expectedShares[1] ?? Number.NaN)} ` +
        `(anytime-valid SRM test fired at look ${state.srmMismatchAtLook}); no ship/keep verdict until the split is fixed`,
      statistic: { name: 'SRM e-value', value: srm.eValue },
      threshold: srm.threshold,
      interval: primary.interval,
    };
  }
  const metricName = primary.metric.replaceAll('_', ' ');
  if (primary.significant) {
    // The direction is the interval's side, never the latest estimate's sign: the two can differ.
    const bHigher = primary.side === 'above';
    const bBetter = config.higherIsBetter === bHigher;
    const direction = bHigher ? 'higher' : 'lower';
    return {
      ...base,
      ...primaryVerdict,
      decision: bBetter ? 'ship_b' : 'keep_a',
      reason:
        `${metricName} ${direction} on ${treatment} than ${control} (${fmt(primary.treatment.mean)} vs ${fmt(primary.control.mean)}): ` +
        `always-valid p ${fmt(primary.pValue)} <= ${config.msprt.alpha}, interval ${range(primary.interval)}` +
        (bBetter ? `; ${treatment} is better` : `; ${control} is better`),
    };
  }
  if (config.maxSamplesPerArm !== undefined && Math.max(n.control, n.treatment) >= config.maxSamplesPerArm) {
    return {
      ...base,
      ...primaryVerdict,
      decision: 'keep_a',
      reason: `reached ${config.maxSamplesPerArm} requests per arm without evidence for ${treatment} (always-valid p ${fmt(primary.pValue)} ${primary.pValue <= config.msprt.alpha ? '<=' : '>'} ${config.msprt.alpha}, interval ${range(primary.interval)}); keep ${control}`,
    };
  }
  const pReached = primary.pValue <= config.msprt.alpha;
  return {
    ...base,
    ...primaryVerdict,
    decision: 'continue',
    reason: pReached
      ? `no decision yet: ${metricName} always-valid p ${fmt(primary.pValue)} <= ${config.msprt.alpha} but the interval ${range(primary.interval)} now contains ${fmt(config.msprt.nullEffect)} (the difference moved between looks); guardrail e-value ${fmt(guardrail.eValue)} < ${fmt(guardrail.threshold)}`
      : `no decision yet: ${metricName} always-valid p ${fmt(primary.pValue)} > ${config.msprt.alpha} (interval ${range(primary.interval)}); guardrail e-value ${fmt(guardrail.eValue)} < ${fmt(guardrail.threshold)}`,
  };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${Number((100 * x).toPrecision(3))}%` : 'n/a';
}

function range(interval: [number, number] | null): string {
  return interval ? `[${fmt(interval[0])}, ${fmt(interval[1])}]` : '(-inf, inf)';
}
