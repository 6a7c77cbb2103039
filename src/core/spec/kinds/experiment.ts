import { z } from 'zod';
import { documentOf, duration } from './common.ts';

/**
 * `kind: Experiment`: a sequential A/B test of one model's variants, with its guardrail.
 * The split is the Stack's variant weights (one source of truth; the gateway routes by it),
 * and `control` / `treatment` must be variants of `model` there (checked by
 * core/abtest/experiment-config.ts, which reads both documents).
 */

/**
 * Gateway metrics, then label metrics (issue 17), which need a LabelMonitor of the model:
 * fraud_caught_per_1000 is, per labelled transaction the variant answered, 1 when it flagged
 * it and it was fraud (the playbook's business metric); label_precision is, per flagged
 * labelled transaction, 1 when it was fraud. Both better higher.
 */
export const LABEL_METRICS = ['fraud_caught_per_1000', 'label_precision'] as const;
export const EXPERIMENT_METRICS = [
  'error_rate',
  'positive_rate',
  'score_mean',
  'latency_mean',
  ...LABEL_METRICS,
] as const;
export type ExperimentMetric = (typeof EXPERIMENT_METRICS)[number];
export type LabelMetric = (typeof LABEL_METRICS)[number];
export function isLabelMetric(metric: string): metric is LabelMetric {
  return (LABEL_METRICS as readonly string[]).includes(metric);
}

const variantName = z.string().regex(/^[a-z0-9_]+$/, 'variant names are lowercase letters, digits and "_", e.g. "v2"');
const metricName = z.enum(EXPERIMENT_METRICS, {
  error: `must be one of ${EXPERIMENT_METRICS.join(', ')}`,
});
const probability = (what: string) =>
  z.number().gt(0, `${what} must be above 0, e.g. 0.05`).lt(1, `${what} must be below 1, e.g. 0.05`);

export const experimentSpec = z
  .strictObject({
    model: z.string().regex(/^[a-z0-9_]+$/, 'a model name of the Stack, e.g. "fraud"'),
    /** A: the champion, kept on rollback. */
    control: variantName,
    /** B: the challenger. */
    treatment: variantName,
    /** Type I error of the whole continuously monitored test (mSPRT). */
    alpha: probability('alpha').default(0.05),
    /** N*: total requests (both arms) the mixture is tuned for (gbstats' sequential tuning parameter). */
    plannedSamples: z.number().int().positive().default(5000),
    /** absolute: B - A; relative: (B - A) / A. */
    difference: z.enum(['absolute', 'relative']).default('absolute'),
    /** The metric that decides ship_b / keep_a, and which direction is better. */
    primaryMetric: z
      .strictObject({ name: metricName, better: z.enum(['lower', 'higher']) })
      .default({ name: 'error_rate', better: 'lower' }),
    /** Every metric tested and exported (abtest_p_value{metric}); the primary is always included. */
    metrics: z.array(metricName).min(1).default(['error_rate']),
    guardrail: z
      .strictObject({
        /** Roll back when B's error rate is credibly above maxRatio x A's (the playbook: 2x). */
        maxRatio: z.number().gt(1, 'maxRatio must be above 1, e.g. 2 for "B errors more than 2x A"').default(2),
        /** Chance of a false rollback over the whole experiment (the e-process threshold is 1/alpha). */
        alpha: probability('guardrail.alpha').default(0.01),
      })
      .default({ maxRatio: 2, alpha: 0.01 }),
    srm: z.strictObject({ alpha: probability('srm.alpha').default(0.001) }).default({ alpha: 0.001 }),
    /** No ship/keep verdict before each arm has this many requests (the mSPRT is a CLT approximation). */
    minSamplesPerArm: z.number().int().min(0).default(200),
    /** Keep A once an arm reaches this many requests without a decision (optional futility stop). */
    maxSamplesPerArm: z.number().int().positive().optional(),
    /** `served_by` tiers that count as an error of the assigned variant (it did not answer itself). */
    errorServedBy: z
      .array(z.enum(['cache', 'stale_cache', 'fallback_model', 'default', 'shed', 'error']))
      .min(1)
      .default(['fallback_model', 'default', 'error']),
    /** The `label` value of inference_predictions_total that counts as a positive prediction. */
    positiveLabel: z.string().default('1'),
    /** How often the controller reads counters and decides. */
    evaluateEvery: duration.default('5s'),
    /** The promise: a breach is rolled back within this long (evaluateEvery must be well below it). */
    rollbackWithin: duration.default('30s'),
  })
  .superRefine((s, ctx) => {
    if (s.control === s.treatment) {
      ctx.addIssue({
        code: 'custom',
        path: ['treatment'],
        message: `treatment must differ from control (both "${s.control}")`,
      });
    }
    if (s.maxSamplesPerArm !== undefined && s.maxSamplesPerArm < s.minSamplesPerArm) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxSamplesPerArm'],
        message: `maxSamplesPerArm (${s.maxSamplesPerArm}) is below minSamplesPerArm (${s.minSamplesPerArm})`,
      });
    }
  });

export const experimentDocument = documentOf('Experiment', experimentSpec);
export type ExperimentDocument = z.infer<typeof experimentDocument>;
export type ExperimentSpec = ExperimentDocument['spec'];
