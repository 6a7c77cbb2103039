import { z } from 'zod';
import { documentOf, duration } from './common.ts';

/**
 * `kind: Deployment`: how a registered model version reaches production (issue 14): where
 * the registry and the published Triton repository live, what validation demands, how long
 * the shadow runs, the canary ramp, the retries while the registry or the store is down,
 * and the deploy-speed SLO (the playbook: 95% of deploys within 10 minutes, the rest within 30).
 */

const percent = z.number().int().min(1).max(100);

export const deploymentSpec = z
  .strictObject({
    /** The Stack model it ships (its variants serve the champion and the canary). */
    model: z.string().min(1),
    registry: z
      .strictObject({
        /** The MLflow tracking/registry server. */
        url: z.url({ error: 'registry.url must be a URL like http://127.0.0.1:5000' }).default('http://127.0.0.1:5000'),
        /** The registered model's name. */
        name: z.string().min(1).default('fraud'),
      })
      .default({ url: 'http://127.0.0.1:5000', name: 'fraud' }),
    /** The variant that serves the champion (alias `champion`). */
    championVariant: z.string().min(1),
    /** The variant slot a new version is shadowed and ramped in; it serves the champion again after a promote. */
    canaryVariant: z.string().min(1),
    /**
     * Where versions are published as Triton model folders: `s3://bucket/prefix` (production),
     * Triton's `s3://http://host:port/bucket/prefix`, or a local folder.
     */
    store: z.string().min(1),
    /** Triton model name of a published version: `{model}` and `{version}` are replaced. */
    tritonModelName: z
      .string()
      .regex(/\{version\}/, 'tritonModelName must contain {version}, e.g. "fraud_v{version}"')
      .default('fraud_v{version}'),
    validation: z
      .strictObject({
        /** Holdout metrics (run metrics `holdout_<name>`) that may not fall below the champion's. */
        metrics: z.array(z.string().min(1)).min(1).default(['roc_auc', 'pr_auc']),
        /** Allowed drop below the champion's value, absolute (0.005 = half a point of AUC). */
        tolerance: z.number().min(0).max(1).default(0.005),
        /** p99 of direct Triton calls for one row must stay within this. */
        p99Budget: duration.default('50ms'),
        /** Calls measured for the p99 (after a warm-up call). */
        probeRequests: z.number().int().min(20).max(10_000).default(200),
      })
      .default({ metrics: ['roc_auc', 'pr_auc'], tolerance: 0.005, p99Budget: '50ms', probeRequests: 200 }),
    shadow: z
      .strictObject({
        /** Mirrored traffic this long before the canary starts (agreement and latency reported). */
        duration: duration.default('20s'),
        /** 0 turns the stage into a report only; otherwise shadow calls needed before the canary. */
        minRequests: z.number().int().min(0).default(50),
      })
      .default({ duration: '20s', minRequests: 50 }),
    canary: z
      .strictObject({
        /** Percent of traffic on the new version, step by step; ends at 100. */
        steps: z.array(percent).min(1).default([5, 20, 50, 100]),
        /** Each step lasts at least this long. */
        stepDuration: duration.default('30s'),
        /** And until the canary has this many requests in the step (a step that never gets them rolls back). */
        minRequestsPerStep: z.number().int().min(0).default(100),
        /** Give up a step (roll back) when it has not reached its requests within this. */
        stepTimeout: duration.default('5m'),
        evaluateEvery: duration.default('2s'),
        /** The sequential test (mSPRT) on the canary's error rate, as in `kind: Experiment`. */
        alpha: z.number().gt(0).lt(1).default(0.05),
        /** The playbook's guardrail: roll back when the canary's error rate is credibly above maxRatio x the champion's. */
        guardrail: z
          .strictObject({ maxRatio: z.number().gt(1).default(2), alpha: z.number().gt(0).lt(1).default(0.01) })
          .default({ maxRatio: 2, alpha: 0.01 }),
        errorServedBy: z
          .array(z.enum(['cache', 'stale_cache', 'fallback_model', 'default', 'shed', 'error']))
          .min(1)
          .default(['fallback_model', 'default', 'error']),
      })
      .default({
        steps: [5, 20, 50, 100],
        stepDuration: '30s',
        minRequestsPerStep: 100,
        stepTimeout: '5m',
        evaluateEvery: '2s',
        alpha: 0.05,
        guardrail: { maxRatio: 2, alpha: 0.01 },
        errorServedBy: ['fallback_model', 'default', 'error'],
      }),
    /** Registry or store calls that fail are retried with exponential backoff, then the deploy fails cleanly. */
    retry: z
      .strictObject({
        maxAttempts: z.number().int().min(1).max(100).default(10),
        initialDelay: duration.default('500ms'),
        maxDelay: duration.default('15s'),
      })
      .default({ maxAttempts: 10, initialDelay: '500ms', maxDelay: '15s' }),
    /** The deploy-speed SLO: `objective` of deploys within `target`, every deploy within `limit`. */
    slo: z
      .strictObject({
        objective: z.number().gt(0).lt(1).default(0.95),
        target: duration.default('10m'),
        limit: duration.default('30m'),
      })
      .default({ objective: 0.95, target: '10m', limit: '30m' }),
  })
  .superRefine((s, ctx) => {
    if (s.championVariant === s.canaryVariant) {
      ctx.addIssue({
        code: 'custom',
        path: ['canaryVariant'],
        message: `canaryVariant must differ from championVariant (both "${s.championVariant}")`,
      });
    }
    const steps = s.canary.steps;
    if (steps.some((p, i) => i > 0 && p <= (steps[i - 1] as number)) || steps.at(-1) !== 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['canary', 'steps'],
        message: `canary.steps must rise and end at 100, e.g. [5, 20, 50, 100]; got [${steps.join(', ')}]`,
      });
    }
  });

export const deploymentDocument = documentOf('Deployment', deploymentSpec);
export type DeploymentDocument = z.infer<typeof deploymentDocument>;
export type DeploymentSpec = DeploymentDocument['spec'];
