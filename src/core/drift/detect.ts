import { chiSquareDriftTest } from '../stats/chi-square.ts';
import { hellingerDistance } from '../stats/hellinger.ts';
import { jensenShannonDistance } from '../stats/jensen-shannon.ts';
import { ks2SampleSorted } from '../stats/ks.ts';
import { psiFromCounts } from '../stats/psi.ts';
import { type RateShift, rateShift } from '../stats/rate-shift.ts';
import { sortedCopy, wassersteinNormalizer, wassersteinSorted } from '../stats/wasserstein.ts';
import { binnedWasserstein } from './binned-wasserstein.ts';
import { binLabels, referenceBinCounts } from './bins.ts';
import type { CategoricalFeatureProfile, FeatureProfile, NumericFeatureProfile, ReferenceProfile } from './profile.ts';
import {
  combineOutcomes,
  type DriftReport,
  type FeatureTests,
  type FeatureVerdict,
  formatNumber,
  formatPercent,
  intervalExceeds,
  type Outcome,
  type PredictionRate,
  type PredictionVerdict,
  type StatisticValue,
  type VerdictStatistic,
} from './verdict.ts';
import type { WindowCounts } from './window.ts';

export interface FeatureRule {
  statistic: VerdictStatistic;
  threshold: number;
}

/** A DriftMonitor resolved against its defaults (the spec kind maps onto this). */
export interface DriftSettings {
  model: string;
  minSamples: number;
  rules: { numeric: FeatureRule[]; categorical: FeatureRule[] };
  /** Per-feature overrides. */
  features: Record<string, { rules?: FeatureRule[]; ignore?: boolean }>;
  /** Anytime-valid intervals of category shares (alpha is split over the categories). */
  categoryShare: { alpha: number; designSamples: number };
  predictions: { label: string; tolerance: number; alpha: number; designSamples: number };
}

/**
 * Judges one window against the reference profile. Pure: the services fetch the numbers
 * (Prometheus counters or a stream of rows) and act on the report.
 *
 * @param variantModels variant name -> Triton model (from the Stack document), to find
 *   each variant's baseline prediction rate in the profile.
 */
export function detectDrift(
  profile: ReferenceProfile,
  settings: DriftSettings,
  window: WindowCounts,
  variantModels: Readonly<Record<string, string>> = {},
): DriftReport {
  const known = new Set(profile.features.map((f) => f.name));
  const features = profile.features
    .filter((f) => !settings.features[f.name]?.ignore)
    .map((f) => {
      const rules =
        settings.features[f.name]?.rules ??
        (f.type === 'numeric' ? settings.rules.numeric : settings.rules.categorical);
      if (window.absent?.includes(f.name)) return absentFeature(f, settings);
      return evaluateFeature(f, window.features[f.name], rules, settings, window.samples?.[f.name]);
    });
  const predictions = evaluatePredictions(profile, window.predictions, variantModels, settings);
  const unknownFeatures = Object.keys(window.features)
    .filter((name) => !known.has(name))
    .sort();
  const outcome = combineOutcomes([...features.map((f) => f.outcome), predictions.outcome]);
  const n = Math.max(0, ...features.map((f) => f.n));
  const drifting = [
    ...features.filter((f) => f.outcome === 'drift').map((f) => f.feature),
    ...(predictions.outcome === 'drift' ? [`P(label=${predictions.label})`] : []),
  ];
  const reason =
    outcome === 'drift'
      ? `drift in ${drifting.join(', ')}`
      : outcome === 'no_data'
        ? `no data: ${features[0]?.reason ?? predictions.reason}`
        : `no drift in ${features.filter((f) => f.outcome === 'ok').length} features${predictions.outcome === 'ok' ? ' and the prediction rate' : ''}` +
          (features.some((f) => f.outcome === 'no_data')
            ? ` (${features.filter((f) => f.outcome === 'no_data').length} without enough data)`
            : '');
  return {
    model: settings.model,
    outcome,
    n: n > 0 ? n : predictions.n,
    features,
    predictions,
    unknownFeatures,
    reason,
  };
}

function absentFeature(feature: FeatureProfile, settings: Pick<DriftSettings, 'minSamples'>): FeatureVerdict {
  return {
    feature: feature.name,
    type: feature.type,
    outcome: 'no_data',
    n: 0,
    minSamples: settings.minSamples,
    statistics: [],
    shares: { missing: Number.NaN },
    tests: {},
    reason: `no data: the current data has no "${feature.name}" field at all (a schema mismatch with the reference profile, not missing values)`,
  };
}

export function evaluateFeature(
  feature: FeatureProfile,
  bins: Readonly<Record<string, number>> | undefined,
  rules: readonly FeatureRule[],
  settings: Pick<DriftSettings, 'minSamples' | 'categoryShare'>,
  sample?: ArrayLike<number>,
): FeatureVerdict {
  const labels = binLabels(feature);
  const base = { feature: feature.name, type: feature.type, minSamples: settings.minSamples, tests: {} };
  const noData = (n: number, reason: string, statistics: StatisticValue[] = []): FeatureVerdict => ({
    ...base,
    outcome: 'no_data',
    n,
    statistics,
    shares: { missing: Number.NaN },
    reason: `no data: ${reason}`,
  });
  if (!bins) return noData(0, 'no rows counted for this feature in the window');
  const foreign = Object.entries(bins)
    .filter(([label, count]) => count > 0 && !labels.includes(label))
    .map(([label]) => label);
  if (foreign.length > 0) {
    return noData(
      0,
      `the counts use bins the reference profile does not have (${foreign.slice(0, 5).join(', ')}); the counter source and this monitor read different profiles (rebuild or reload the same reference_profile.json)`,
    );
  }
  const current = labels.map((label) => {
    const c = bins[label] ?? 0;
    return Number.isFinite(c) && c > 0 ? c : 0;
  });
  const reference = referenceBinCounts(feature);
  const n = current.reduce((a, b) => a + b, 0);
  if (!(n > 0)) return noData(0, 'no rows counted for this feature in the window');
  const shares = shareSummary(feature, current, n);
  const statistics = rules.map((rule) => computeStatistic(rule, feature, reference, current, settings));
  const tests = informationalTests(feature, reference, current, sample);
  if (n < settings.minSamples) {
    return {
      ...noData(
        n,
        `n=${formatNumber(n)} is below minSamples=${settings.minSamples}; too few rows for an effect-size verdict`,
        statistics,
      ),
      shares,
      tests,
    };
  }
  const exceeded = statistics.filter((s) => s.exceeded);
  const outcome: Outcome = exceeded.length > 0 ? 'drift' : 'ok';
  const describe = (s: StatisticValue) =>
    s.statistic === 'category_share' && s.interval
      ? `share of "${s.category}" ${formatPercent(s.value)} [${formatPercent(s.interval[0])}, ${formatPercent(s.interval[1])}] vs tolerance ±${formatPercent(s.threshold).slice(1)}`
      : `${s.statistic} ${formatNumber(s.value)} ${s.exceeded ? '>=' : '<'} ${s.threshold}`;
  const context = [
    `n=${formatNumber(n)}`,
    ...(shares.missing > 0 ? [`missing ${formatPercent(shares.missing).slice(1)}`] : []),
    ...((shares.outOfRange ?? 0) > 0 ? [`out of range ${formatPercent(shares.outOfRange ?? 0).slice(1)}`] : []),
    ...((shares.unseen ?? 0) > 0 ? [`unseen ${formatPercent(shares.unseen ?? 0).slice(1)}`] : []),
  ].join(', ');
  const reason =
    outcome === 'drift'
      ? `drift: ${exceeded.map(describe).join('; ')} (${context})`
      : `no drift: ${statistics.map(describe).join('; ')} (${context})`;
  return { ...base, outcome, n, statistics, shares, tests, reason };
}

function shareSummary(feature: FeatureProfile, current: number[], n: number): FeatureVerdict['shares'] {
  const k = feature.type === 'numeric' ? feature.lower.length : feature.categories.length;
  if (feature.type === 'numeric') {
    return {
      missing: (current[k + 2] as number) / n,
      outOfRange: ((current[k] as number) + (current[k + 1] as number)) / n,
    };
  }
  return { missing: (current[k + 1] as number) / n, unseen: (current[k] as number) / n };
}

/** Drops bins that are empty on both sides: they carry no information (and Evidently never has them). */
function occupied(reference: number[], current: number[]): [number[], number[]] {
  const r: number[] = [];
  const c: number[] = [];
  reference.forEach((v, i) => {
    const w = current[i] as number;
    if (v > 0 || w > 0) {
      r.push(v);
      c.push(w);
    }
  });
  return [r, c];
}

function computeStatistic(
  rule: FeatureRule,
  feature: FeatureProfile,
  reference: number[],
  current: number[],
  settings: Pick<DriftSettings, 'categoryShare'>,
): StatisticValue {
  const [r, c] = occupied(reference, current);
  const done = (value: number, extra: Partial<StatisticValue> = {}): StatisticValue => ({
    statistic: rule.statistic,
    value,
    threshold: rule.threshold,
    exceeded: Number.isFinite(value) && value >= rule.threshold,
    ...extra,
  });
  switch (rule.statistic) {
    case 'psi':
      return done(psiFromCounts(r, c));
    case 'jensenshannon':
      return done(jensenShannonDistance(r, c));
    case 'hellinger':
      return done(hellingerDistance(r, c));
    case 'wasserstein': {
      if (feature.type !== 'numeric') return done(Number.NaN);
      const w = binnedWasserstein(feature, reference, current);
      return done(w / wassersteinNormalizer(feature.moments.std));
    }
    case 'category_share': {
      if (feature.type !== 'categorical') return done(Number.NaN);
      return categoryShare(feature, reference, current, rule.threshold, settings.categoryShare);
    }
  }
}

/**
 * Relative change of each reference category's share, each with an anytime-valid
 * interval at alpha / (number of categories) (Bonferroni, so the feature as a whole keeps
 * alpha). Reports the category that breaks the rule, else the one that moved most.
 */
function categoryShare(
  feature: CategoricalFeatureProfile,
  reference: number[],
  current: number[],
  tolerance: number,
  options: DriftSettings['categoryShare'],
): StatisticValue {
  const k = feature.categories.length;
  const refTotal = feature.counts.reduce((a, b) => a + b, 0);
  const curTotal = current.slice(0, k + 1).reduce((a, b) => a + b, 0); // categories + unseen, not missing
  // A category the reference never had, or the only one it had, has no relative change to track.
  const present = feature.categories
    .map((_, i) => i)
    .filter((i) => (reference[i] as number) > 0 && (reference[i] as number) < refTotal);
  if (!(curTotal > 0) || present.length === 0 || !(refTotal > 0)) {
    return { statistic: 'category_share', value: Number.NaN, threshold: tolerance, exceeded: false };
  }
  const alpha = options.alpha / present.length;
  const shifts = present.map((i) => ({
    category: feature.categories[i] as string,
    shift: rateShift(Math.min(current[i] as number, curTotal), curTotal, (reference[i] as number) / refTotal, {
      alpha,
      designSamples: options.designSamples,
    }),
  }));
  const breaking = shifts.filter((s) => intervalExceeds(s.shift.relativeInterval, tolerance));
  const pick = (list: typeof shifts) =>
    list.reduce((best, s) => (Math.abs(s.shift.relativeChange) > Math.abs(best.shift.relativeChange) ? s : best));
  const chosen = breaking.length > 0 ? pick(breaking) : pick(shifts);
  return {
    statistic: 'category_share',
    value: chosen.shift.relativeChange,
    threshold: tolerance,
    exceeded: breaking.length > 0,
    category: chosen.category,
    interval: chosen.shift.relativeInterval,
  };
}

function informationalTests(
  feature: FeatureProfile,
  reference: number[],
  current: number[],
  sample: ArrayLike<number> | undefined,
): FeatureTests {
  // Chi-square on the reference's support: a bin the reference never filled makes the
  // statistic infinite; out-of-range and unseen shares are reported on their own.
  const r: number[] = [];
  const c: number[] = [];
  reference.forEach((v, i) => {
    if (v > 0) {
      r.push(v);
      c.push(current[i] as number);
    }
  });
  const tests: FeatureTests = {};
  if (r.length >= 2 && c.some((v) => v > 0)) tests.chisquare = chiSquareDriftTest(r, c);
  if (feature.type === 'numeric' && sample && sample.length > 0 && feature.sample.length > 0) {
    const ref = Float64Array.from(feature.sample);
    const cur = sortedCopy(sample);
    const ks = ks2SampleSorted(ref, cur);
    tests.ks = ks;
    tests.wasserstein =
      wassersteinSorted(ref, cur) / wassersteinNormalizer((feature as NumericFeatureProfile).moments.std);
  }
  return tests;
}

/** Baseline rate of a label for a Triton model, from the profile's predictions, else its label column. */
export function baselineRate(
  profile: ReferenceProfile,
  model: string | undefined,
  label: string,
): { rate: number; source: string } | undefined {
  const scored = model ? profile.predictions?.[model] : undefined;
  if (scored && scored.n > 0)
    return { rate: (scored.counts[label] ?? 0) / scored.n, source: `${model} scored on the reference` };
  if (profile.labels && profile.labels.n > 0) {
    return {
      rate: (profile.labels.counts[label] ?? 0) / profile.labels.n,
      source: `the reference's ${profile.labels.column} column`,
    };
  }
  return undefined;
}

export function evaluatePredictions(
  profile: ReferenceProfile,
  predictions: WindowCounts['predictions'],
  variantModels: Readonly<Record<string, string>>,
  settings: Pick<DriftSettings, 'minSamples' | 'predictions'>,
): PredictionVerdict {
  const { label, tolerance, alpha, designSamples } = settings.predictions;
  const options = { alpha, designSamples };
  const variants: PredictionRate[] = [];
  let total = 0;
  let positives = 0;
  let expected = 0;
  for (const [variant, byLabel] of Object.entries(predictions).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const n = Object.values(byLabel).reduce((a, b) => a + (Number.isFinite(b) && b > 0 ? b : 0), 0);
    const x = Math.min(Math.max(byLabel[label] ?? 0, 0), n);
    const model = variantModels[variant];
    const baseline = baselineRate(profile, model, label);
    const rate = n > 0 ? x / n : Number.NaN;
    if (!baseline || !(baseline.rate > 0 && baseline.rate < 1)) {
      variants.push({
        variant,
        model,
        n,
        baseline: baseline?.rate,
        rate,
        relativeChange: Number.NaN,
        interval: undefined,
        outcome: 'no_data',
        reason: `no data: no usable baseline for P(label=${label}) of variant ${variant}${model ? ` (${model})` : ''}; left out of the model-level rate`,
      });
      continue;
    }
    total += n;
    positives += x;
    expected += n * baseline.rate;
    if (!(n > 0)) continue;
    const shift = rateShift(x, n, baseline.rate, options);
    variants.push(rateVerdict(variant, model, shift, tolerance, settings.minSamples, baseline.source));
  }
  const verdict = {
    label,
    tolerance,
    alpha,
    variants,
  };
  if (!(total > 0)) {
    return {
      ...verdict,
      outcome: 'no_data',
      n: 0,
      baseline: undefined,
      rate: Number.NaN,
      relativeChange: Number.NaN,
      interval: undefined,
      reason: 'no data: no predictions counted in the window',
    };
  }
  const baseline = expected / total;
  const shift = rateShift(positives, total, baseline, options);
  const overall = rateVerdict(
    'all',
    undefined,
    shift,
    tolerance,
    settings.minSamples,
    'the variant mix of this window',
  );
  return {
    ...verdict,
    outcome: overall.outcome,
    n: total,
    baseline,
    rate: shift.rate,
    relativeChange: shift.relativeChange,
    interval: shift.relativeInterval,
    reason: overall.reason,
  };
}

function rateVerdict(
  variant: string,
  model: string | undefined,
  shift: RateShift,
  tolerance: number,
  minSamples: number,
  source: string,
): PredictionRate {
  const [lo, hi] = shift.relativeInterval;
  const summary = `P=${formatNumber(shift.rate)} vs baseline ${formatNumber(shift.baseline)} (${source}): ${formatPercent(shift.relativeChange)} [${formatPercent(lo)}, ${formatPercent(hi)}] (${Math.round((1 - shift.alpha) * 100)}% anytime-valid, n=${formatNumber(shift.n)})`;
  let outcome: Outcome;
  let reason: string;
  if (shift.n < minSamples) {
    outcome = 'no_data';
    reason = `no data: n=${formatNumber(shift.n)} is below minSamples=${minSamples}; ${summary}`;
  } else if (intervalExceeds(shift.relativeInterval, tolerance)) {
    outcome = 'drift';
    reason = `drift: ${summary}; the change is real and not shown to be within ±${(tolerance * 100).toFixed(0)}%`;
  } else {
    outcome = 'ok';
    const why =
      lo <= 0 && hi >= 0 ? 'the interval includes no change' : `the change is within ±${(tolerance * 100).toFixed(0)}%`;
    reason = `no drift: ${summary}; ${why}`;
  }
  return {
    variant,
    model,
    n: shift.n,
    baseline: shift.baseline,
    rate: shift.rate,
    relativeChange: shift.relativeChange,
    interval: shift.relativeInterval,
    outcome,
    reason,
  };
}
