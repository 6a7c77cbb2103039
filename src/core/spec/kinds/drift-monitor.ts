import { z } from 'zod';
import type { DriftSettings, FeatureRule } from '../../drift/detect.ts';
import {
  CATEGORICAL_VERDICT_STATISTICS,
  NUMERIC_VERDICT_STATISTICS,
  type VerdictStatistic,
} from '../../drift/verdict.ts';
import {
  DEFAULT_ALPHA,
  DEFAULT_MIN_SAMPLES,
  DEFAULT_PREDICTION_TOLERANCE,
  DRIFT_THRESHOLD_DEFAULTS,
} from '../../stats/drift-thresholds.ts';
import { documentOf, duration } from './common.ts';

/**
 * `kind: DriftMonitor`: what "drift" means for one model. Verdicts rest on effect sizes
 * over the reference profile's bins (so the Prometheus path and the in-process stream
 * agree), each with a threshold; a feature drifts when any of its statistics reaches its
 * threshold with at least `minSamples` rows in the window. The predicted-label rate
 * drifts when its relative change is real (anytime-valid interval excludes 0) and not
 * shown to be within `tolerance`. Defaults and their sources: src/core/stats/drift-thresholds.ts.
 */
const ALL_STATISTICS = [
  ...new Set<VerdictStatistic>([...NUMERIC_VERDICT_STATISTICS, ...CATEGORICAL_VERDICT_STATISTICS]),
];

const rule = z.strictObject({
  statistic: z.enum(ALL_STATISTICS as [VerdictStatistic, ...VerdictStatistic[]], {
    error: `statistic must be one of ${ALL_STATISTICS.join(', ')} (effect sizes; p-values are reported, never decide)`,
  }),
  threshold: z.number().positive('threshold must be > 0'),
});

const defaultRule = (statistic: keyof typeof DRIFT_THRESHOLD_DEFAULTS & VerdictStatistic): FeatureRule => ({
  statistic,
  threshold: DRIFT_THRESHOLD_DEFAULTS[statistic].threshold,
});

/** Evidently's defaults over 1000 rows: Wasserstein (normed) for numeric, Jensen-Shannon for categorical. */
export const DEFAULT_NUMERIC_RULES: FeatureRule[] = [defaultRule('wasserstein'), defaultRule('psi')];
export const DEFAULT_CATEGORICAL_RULES: FeatureRule[] = [defaultRule('jensenshannon'), defaultRule('category_share')];

const numericRules = z
  .array(rule)
  .min(1)
  .superRefine((rules, ctx) => checkAllowed(rules, NUMERIC_VERDICT_STATISTICS, 'numeric', ctx));
const categoricalRules = z
  .array(rule)
  .min(1)
  .superRefine((rules, ctx) => checkAllowed(rules, CATEGORICAL_VERDICT_STATISTICS, 'categorical', ctx));

function checkAllowed(
  rules: FeatureRule[],
  allowed: readonly VerdictStatistic[],
  kind: string,
  ctx: z.RefinementCtx,
): void {
  rules.forEach((r, i) => {
    if (!allowed.includes(r.statistic)) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'statistic'],
        message: `${r.statistic} does not apply to ${kind} features; use one of ${allowed.join(', ')}`,
      });
    }
  });
}

const probability = z.number().gt(0).lt(1);

export const driftMonitorSpec = z.strictObject({
  /** The Stack model (e.g. fraud) whose traffic is watched. */
  model: z.string().regex(/^[a-z0-9_]+$/, 'model names are lowercase letters, digits and "_", e.g. "fraud"'),
  /** The reference profile (`steadystate drift profile`); the gateway bins with the same file. */
  reference: z.string().min(1).default('serving/model_repository/reference_profile.json'),
  /** Traffic window each verdict looks at (the range of increase() on the Prometheus path). */
  window: duration.default('1h'),
  /** How often `drift watch` evaluates. */
  interval: duration.default('1m'),
  /** Fewest rows in the window for a verdict; below it the outcome is "no data". */
  minSamples: z.number().int().positive().default(DEFAULT_MIN_SAMPLES),
  statistics: z
    .strictObject({
      numeric: numericRules.default(DEFAULT_NUMERIC_RULES),
      categorical: categoricalRules.default(DEFAULT_CATEGORICAL_RULES),
    })
    .default({ numeric: DEFAULT_NUMERIC_RULES, categorical: DEFAULT_CATEGORICAL_RULES }),
  /** Per-feature overrides: other rules, or ignore the feature. Names are checked against the profile when it loads. */
  features: z
    .record(
      z.string().min(1),
      z.strictObject({ statistics: z.array(rule).min(1).optional(), ignore: z.boolean().optional() }),
    )
    .default({}),
  /** Anytime-valid intervals of category shares (category_share). */
  categoryShare: z
    .strictObject({
      alpha: probability.default(DEFAULT_ALPHA),
      designSamples: z.number().int().positive().default(100_000),
    })
    .default({ alpha: DEFAULT_ALPHA, designSamples: 100_000 }),
  /** P(predicted label) against the reference's rate (the playbook: alert if P(fraud=1) shifts > 10%). */
  predictions: z
    .strictObject({
      label: z.string().min(1).default('1'),
      tolerance: z.number().positive().default(DEFAULT_PREDICTION_TOLERANCE),
      alpha: probability.default(DEFAULT_ALPHA),
      /** Window size at which the interval is tightest (it is valid at every size). */
      designSamples: z.number().int().positive().default(100_000),
    })
    .default({ label: '1', tolerance: DEFAULT_PREDICTION_TOLERANCE, alpha: DEFAULT_ALPHA, designSamples: 100_000 }),
});

export const driftMonitorDocument = documentOf('DriftMonitor', driftMonitorSpec);
export type DriftMonitorDocument = z.infer<typeof driftMonitorDocument>;
export type DriftMonitorSpec = DriftMonitorDocument['spec'];

/** The detector settings of a validated monitor. */
export function driftSettingsOf(spec: DriftMonitorSpec): DriftSettings {
  return {
    model: spec.model,
    minSamples: spec.minSamples,
    rules: { numeric: spec.statistics.numeric, categorical: spec.statistics.categorical },
    features: Object.fromEntries(
      Object.entries(spec.features).map(([name, o]) => [
        name,
        { ...(o.statistics ? { rules: o.statistics } : {}), ...(o.ignore ? { ignore: true } : {}) },
      ]),
    ),
    categoryShare: spec.categoryShare,
    predictions: spec.predictions,
  };
}
