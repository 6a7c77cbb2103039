import { z } from 'zod';
import { documentOf, duration } from './common.ts';

/**
 * `kind: LabelMonitor`: is the model still right? Delayed ground-truth labels (keyed by
 * request id) joined with the gateway's sampled prediction log (`Stack.predictionLog`), per
 * variant and window, against each variant's holdout PR AUC (serving/build/metrics.json).
 */
const baseline = z.strictObject({
  /** PR AUC (average precision) of the variant's model on the holdout split. */
  prAuc: z.number().gt(0, 'baseline.prAuc must be in (0, 1]').max(1, 'baseline.prAuc must be in (0, 1]'),
});

export const labelMonitorSpec = z.strictObject({
  /** The Stack model (e.g. fraud). */
  model: z.string().regex(/^[a-z0-9_]+$/, 'model names are lowercase letters, digits and "_", e.g. "fraud"'),
  /** Directory of the durable label store (labels.jsonl, append-only). */
  store: z.string().min(1).default('.steadystate/labels'),
  /** Trailing windows, by prediction time, each reported and exported. */
  windows: z.array(duration).min(1).default(['1d', '7d']),
  /** The window the alert judges (one of `windows`). */
  alertWindow: duration.default('7d'),
  /** Absolute PR AUC drop below the baseline tolerated before alerting. */
  tolerance: z.number().gt(0).lt(1).default(0.05),
  /** Fewest labels, and fewest positive labels, in the window for any verdict (no alert on thin data). */
  minLabels: z.number().int().positive().default(200),
  minPositives: z.number().int().positive().default(10),
  /** How long the degradation must hold before the alert fires. */
  for: duration.default('30m'),
  /** Port of `steadystate labels serve` (POST /v1/labels, GET /metrics). */
  port: z.number().int().min(0).max(65535).default(9465),
  /** Baseline per variant name of the Stack model. */
  baselines: z.record(z.string().min(1), z.strictObject({ baseline })),
});

export const labelMonitorDocument = documentOf('LabelMonitor', labelMonitorSpec).superRefine((doc, ctx) => {
  if (!doc.spec.windows.includes(doc.spec.alertWindow)) {
    ctx.addIssue({
      code: 'custom',
      path: ['spec', 'alertWindow'],
      message: `alertWindow ${doc.spec.alertWindow} must be one of windows (${doc.spec.windows.join(', ')})`,
    });
  }
});
export type LabelMonitorDocument = z.infer<typeof labelMonitorDocument>;
export type LabelMonitorSpec = LabelMonitorDocument['spec'];
