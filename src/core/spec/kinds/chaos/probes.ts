import { z } from 'zod';
import { SERVED_BY } from '../../../metrics/names.ts';
import { duration } from '../common.ts';

/**
 * What a chaos experiment measures. Gateway probes read the contract metrics
 * (src/core/metrics/names.ts) from one gateway's /metrics, as counter increases over a
 * sliding window; PromQL probes ask Prometheus (the numbers summed over replicas, the
 * production path); the rest read a component's own API.
 */

const tier = z.enum(SERVED_BY, { error: `must be a serving tier: ${SERVED_BY.join(', ')}` });

/** Fields every gateway probe shares: which series, over which window. */
const gatewayScope = {
  /** Logical model; default: the Stack's first model. */
  model: z.string().optional(),
  /** Only this variant's series (the fallback model is variant "fallback" upstream). */
  variant: z.string().optional(),
  /** Sliding window of counter increases; default: steadyState.window. */
  window: duration.optional(),
  /** Fewest events the number may rest on; default: steadyState.minRequests. */
  minRequests: z.number().int().min(1).optional(),
  /**
   * `before`: the value becomes the relative change against the same probe measured over
   * the whole before phase, (now - before) / before, e.g. a 10% shift of P(fraud).
   */
  relativeTo: z.literal('before').optional(),
};

const gatewayProbe = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), ...gatewayScope, ...shape });

export const GATEWAY_PROBE_TYPES = [
  'latency-quantile',
  'failed-ratio',
  'tier-share',
  'burn-rate',
  'upstream-calls-per-request',
  'upstream-error-ratio',
  'cache-hit-ratio',
  'defaulted-features-per-request',
  'label-rate',
  'request-rate',
] as const;

export const PROBE_TYPES = [...GATEWAY_PROBE_TYPES, 'promql', 'triton-ready', 'gateway-weight', 'pods-ready'] as const;

export const probeSchema = z.discriminatedUnion(
  'type',
  [
    /** histogram_quantile over inference_request_duration_seconds, in seconds. */
    gatewayProbe('latency-quantile', {
      quantile: z.number().gt(0).lt(1),
      servedBy: z.array(tier).min(1).optional(),
    }),
    /** Share of requests that got no answer (HTTP 5xx: served_by error or shed): what users see. */
    gatewayProbe('failed-ratio', {}),
    /** Share of requests answered by these tiers. */
    gatewayProbe('tier-share', { tiers: z.array(tier).min(1) }),
    /**
     * Error-budget burn rate over the window (SRE Workbook ch. 5): bad ratio / (1 - objective).
     * `not-good`: outside the SLO's good tiers (GOOD_SERVED_BY); `failed`: HTTP failures only.
     */
    gatewayProbe('burn-rate', {
      objective: z.number().gt(0).lt(1),
      bad: z.enum(['not-good', 'failed']).default('not-good'),
    }),
    /** Calls to Triton (answered or failed) per gateway request: the stampede amplification. */
    gatewayProbe('upstream-calls-per-request', {}),
    /** Failed Triton calls / all Triton calls. */
    gatewayProbe('upstream-error-ratio', {}),
    /** Fresh cache hits / cache lookups. */
    gatewayProbe('cache-hit-ratio', {}),
    /** Features filled with defaults (feature store missed or timed out) per request. */
    gatewayProbe('defaulted-features-per-request', {}),
    /** Share of variant predictions with this label: P(fraud=1) for label "1". */
    gatewayProbe('label-rate', { label: z.string().default('1') }),
    /** Requests per second. */
    gatewayProbe('request-rate', {}),
    /** One number from Prometheus: a scalar, or a vector of exactly one series. */
    z.strictObject({
      type: z.literal('promql'),
      query: z.string().min(1),
      relativeTo: z.literal('before').optional(),
    }),
    /** 1 when Triton (or one model) is ready, else 0. */
    z.strictObject({ type: z.literal('triton-ready'), model: z.string().optional() }),
    /** A variant's routing weight in percent, from the gateway admin API. */
    z.strictObject({ type: z.literal('gateway-weight'), model: z.string().optional(), variant: z.string() }),
    /** Pods Ready (and not terminating) among those the selector matches, from the Kubernetes API. */
    z.strictObject({
      type: z.literal('pods-ready'),
      namespace: z.string().min(1),
      labelSelector: z.string().min(1),
      relativeTo: z.literal('before').optional(),
    }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? `type must be one of ${PROBE_TYPES.join(', ')}` : undefined) },
);

export type ProbeSpec = z.infer<typeof probeSchema>;
export type GatewayProbeSpec = Extract<ProbeSpec, { type: (typeof GATEWAY_PROBE_TYPES)[number] }>;

export function isGatewayProbe(probe: ProbeSpec): probe is GatewayProbeSpec {
  return (GATEWAY_PROBE_TYPES as readonly string[]).includes(probe.type);
}

/** The range a probe's value must stay in; both ends inclusive. */
export const toleranceSchema = z
  .strictObject({ min: z.number().optional(), max: z.number().optional() })
  .refine((t) => t.min !== undefined || t.max !== undefined, {
    message: 'give min, max or both, e.g. { max: 0.01 }',
  })
  .refine((t) => t.min === undefined || t.max === undefined || t.min <= t.max, {
    message: 'min is above max; no value can pass',
  });

export type Tolerance = z.infer<typeof toleranceSchema>;
