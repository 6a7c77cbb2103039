import { z } from 'zod';
import { adaptiveBatching } from './adaptive-batching.ts';
import { documentOf, duration, parseDuration } from './common.ts';
import { stackCost } from './stack-cost.ts';
import { stackFeatureStore } from './stack-feature-store.ts';
import { stackKubernetes } from './stack-kubernetes.ts';

/**
 * `kind: Stack`: what is served and how. One logical model (e.g. `fraud`) has variants,
 * each backed by a Triton model; the gateway routes users to variants by a stable hash.
 */
const variant = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]+$/, 'variant names are lowercase letters, digits and "_", e.g. "v1"'),
  tritonModel: z.string().min(1),
  /** Share of users, in percent; the weights of a model's variants add up to 100. */
  weight: z.number().min(0).max(100),
});

const model = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9_]+$/, 'model names are lowercase letters, digits and "_", e.g. "fraud"'),
    featureSchema: z.string().default('serving/model_repository/feature_schema.json'),
    /** Owning team, for cost chargeback (`steadystate cost report`); unset rolls up as "unassigned". */
    team: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'team names are lowercase letters, digits, "-" and "_", e.g. "risk"')
      .optional(),
    variants: z.array(variant).min(1),
    /** Variant that receives a mirrored copy of every request; never affects the answer. */
    shadow: z.string().optional(),
    /** Tier 3 of the fallback chain: a simpler Triton model with the same inputs. */
    fallbackModel: z.string().optional(),
    /** Tier 4: the answer when nothing else can give one; never for a `critical` model. */
    defaultPrediction: z.strictObject({ score: z.number().min(0).max(1) }).default({ score: 0 }),
    /**
     * A critical model never answers with the constant default prediction (the playbook allows
     * it "for non-critical models" only): it answers from the model, the cache or the fallback
     * model, or says 503 + Retry-After, so a caller that ignores `served_by` never approves
     * everything during an outage.
     */
    critical: z.boolean().default(false),
    /** Per-request deadline: part of the latency SLO, so fallbacks still answer within it. */
    deadline: duration.default('80ms'),
    /** Disable the fallback tiers (cache, fallback model, default) e.g. to prove chaos experiments can fail. */
    fallbacks: z.boolean().default(true),
    /** Stage 3: `steadystate batching watch` adapts max_batch_size / queue delay within these limits. */
    adaptiveBatching: adaptiveBatching.optional(),
  })
  .superRefine((m, ctx) => {
    const total = m.variants.reduce((sum, v) => sum + v.weight, 0);
    if (Math.abs(total - 100) > 1e-9) {
      ctx.addIssue({
        code: 'custom',
        path: ['variants'],
        message: `weights add up to ${total}; they must add up to 100 (e.g. 80 and 20)`,
      });
    }
    const names = m.variants.map((v) => v.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `variant names repeat: ${names.join(', ')}` });
    }
    if (m.shadow && !names.includes(m.shadow)) {
      ctx.addIssue({
        code: 'custom',
        path: ['shadow'],
        message: `"${m.shadow}" is not a variant of ${m.name}; expected one of ${names.join(', ')}`,
      });
    }
  });

const CONCURRENCY_DEFAULTS = {
  initial: 16,
  min: 4,
  max: 256,
  tolerance: 1.5,
  latencyFloor: '20ms',
  smoothing: 0.2,
  window: '100ms',
  windowSamples: 10,
  probeInterval: '30s',
  probeSamples: 16,
};

/**
 * Gradient concurrency limit per upstream (Envoy adaptive concurrency, Netflix Gradient2): no
 * fixed latency target; the limit shrinks only while the recent latency is above `tolerance` x
 * the upstream's own unloaded latency (min RTT, probed every `probeInterval`).
 */
const concurrencyLimit = z
  .strictObject({
    initial: z.number().int().min(1).default(CONCURRENCY_DEFAULTS.initial),
    min: z.number().int().min(1).default(CONCURRENCY_DEFAULTS.min),
    max: z.number().int().min(1).default(CONCURRENCY_DEFAULTS.max),
    /** Recent latency may be this many times the baseline before the limit shrinks. */
    tolerance: z.number().min(1).default(CONCURRENCY_DEFAULTS.tolerance),
    /** A window whose average latency is under this never shrinks the limit (a short queue keeps a fast model busy). */
    latencyFloor: duration.default(CONCURRENCY_DEFAULTS.latencyFloor),
    /** Weight of each window's estimate against the current limit. */
    smoothing: z.number().gt(0).max(1).default(CONCURRENCY_DEFAULTS.smoothing),
    /** One latency sample window: at least this long and `windowSamples` calls. */
    window: duration.default(CONCURRENCY_DEFAULTS.window),
    windowSamples: z.number().int().min(1).default(CONCURRENCY_DEFAULTS.windowSamples),
    /** How often the upstream's unloaded latency is measured again: the limit is held at `min` for `probeSamples` calls. */
    probeInterval: duration.default(CONCURRENCY_DEFAULTS.probeInterval),
    probeSamples: z.number().int().min(1).default(CONCURRENCY_DEFAULTS.probeSamples),
  })
  .superRefine((c, ctx) => {
    if (!(c.min <= c.initial && c.initial <= c.max)) {
      ctx.addIssue({
        code: 'custom',
        path: ['initial'],
        message: `need min <= initial <= max, got min ${c.min}, initial ${c.initial}, max ${c.max}`,
      });
    }
    for (const key of ['window', 'probeInterval'] as const) {
      if (parseDuration(c[key]) <= 0) ctx.addIssue({ code: 'custom', path: [key], message: 'must be longer than 0' });
    }
  })
  .default(CONCURRENCY_DEFAULTS);

export const stackSpec = z.strictObject({
  triton: z
    .strictObject({
      url: z.url().default('http://127.0.0.1:8000'),
      metricsUrl: z.url().default('http://127.0.0.1:8002'),
    })
    .default({ url: 'http://127.0.0.1:8000', metricsUrl: 'http://127.0.0.1:8002' }),
  /** Production manifests (serving/k8s/): namespace, images, replicas, object-storage model repository. */
  kubernetes: stackKubernetes,
  models: z.array(model).min(1),
  /** GPU price and memory for cost attribution and packing (stack-cost.ts). */
  cost: stackCost.optional(),
  gateway: z
    .strictObject({
      port: z.number().int().min(1).max(65535).default(8080),
      maxBodyBytes: z.number().int().positive().default(65_536),
      /** Rows per KServe request; Triton's max_batch_size is 32. */
      maxBatch: z.number().int().positive().default(32),
      /** Concurrency limit: beyond it requests are shed (503 + Retry-After) before queues explode. */
      maxInflight: z.number().int().positive().default(256),
      /** Environment variable holding the admin API bearer token. */
      adminTokenEnv: z.string().default('STEADYSTATE_ADMIN_TOKEN'),
      /** Slowloris guard: the request line and headers must arrive within this, or the connection is closed. */
      headersTimeout: duration.default('5s'),
      /** The whole request, body included: a Content-Length larger than the body is answered 408 and closed. */
      requestTimeout: duration.default('10s'),
      /** An idle keep-alive connection is closed after this. */
      keepAliveTimeout: duration.default('5s'),
    })
    .superRefine((g, ctx) => {
      for (const field of ['headersTimeout', 'requestTimeout', 'keepAliveTimeout'] as const) {
        if (parseDuration(g[field]) <= 0)
          ctx.addIssue({ code: 'custom', path: [field], message: `must be longer than 0, got "${g[field]}"` });
      }
      if (parseDuration(g.headersTimeout) > parseDuration(g.requestTimeout)) {
        ctx.addIssue({
          code: 'custom',
          path: ['headersTimeout'],
          message: `headersTimeout ${g.headersTimeout} is longer than requestTimeout ${g.requestTimeout}; the headers are part of the request, so make it at most requestTimeout`,
        });
      }
    })
    .default({
      port: 8080,
      maxBodyBytes: 65_536,
      maxBatch: 32,
      maxInflight: 256,
      adminTokenEnv: 'STEADYSTATE_ADMIN_TOKEN',
      headersTimeout: '5s',
      requestTimeout: '10s',
      keepAliveTimeout: '5s',
    }),
  resilience: z
    .strictObject({
      /** Open a variant's breaker when this share of calls failed (or were slow) in the window. */
      breakerFailureRatio: z.number().gt(0).max(1).default(0.5),
      breakerWindow: duration.default('10s'),
      /** No verdict below this many calls per second (quiet periods do not trip it). */
      breakerMinimumRps: z.number().min(0).default(2),
      halfOpenAfter: duration.default('5s'),
      /** A call slower than this counts as a failure for the breaker (latency, not readiness). */
      slowCall: duration.default('60ms'),
      /** One retry, only when at least this much of the deadline is left. */
      retryIfRemaining: duration.default('40ms'),
      /**
       * Adaptive concurrency limit per upstream (gradient on upstream latency, as Netflix
       * concurrency-limits and Envoy): calls beyond it are shed at once with 503 + Retry-After.
       */
      concurrency: concurrencyLimit,
      /**
       * The gateway's event-loop lag it steers to: above it, a share of new inference requests
       * (growing with the excess, settling where the lag holds) is shed before any parsing; "0ms" turns it off.
       */
      eventLoopLagTarget: duration.default('25ms'),
    })
    .default({
      breakerFailureRatio: 0.5,
      breakerWindow: '10s',
      breakerMinimumRps: 2,
      halfOpenAfter: '5s',
      slowCall: '60ms',
      retryIfRemaining: '40ms',
      concurrency: CONCURRENCY_DEFAULTS,
      eventLoopLagTarget: '25ms',
    }),
  featureStore: stackFeatureStore.optional(),
  predictionLog: z
    .strictObject({
      path: z.string().default('.steadystate/predictions.jsonl'),
      sampleRate: z.number().min(0).max(1).default(0.01),
      maxBytes: z.number().int().positive().default(50_000_000),
      keepFiles: z.number().int().min(1).default(3),
    })
    .optional(),
  cache: z
    .strictObject({
      /** `none` turns the prediction cache off (benchmarks, or models whose inputs never repeat). */
      backend: z.enum(['memory', 'redis', 'none']).default('memory'),
      redisUrl: z.string().optional(),
      ttl: duration.default('60s'),
      /** Stale entries may answer for this long after their TTL when the primary fails. */
      staleFor: duration.default('10m'),
      maxEntries: z.number().int().positive().default(100_000),
      /** XFetch beta (Vattani et al., VLDB 2015): > 1 refreshes earlier, 1 is the optimum they derive. */
      earlyExpirationBeta: z.number().min(0).default(1),
      /** Budget for one cache read; a slow cache is skipped, never waited on. */
      timeout: duration.default('5ms'),
    })
    .default({
      backend: 'memory',
      ttl: '60s',
      staleFor: '10m',
      maxEntries: 100_000,
      earlyExpirationBeta: 1,
      timeout: '5ms',
    }),
});

export const stackDocument = documentOf('Stack', stackSpec);
export type StackDocument = z.infer<typeof stackDocument>;
export type StackSpec = StackDocument['spec'];
export type ModelSpec = StackSpec['models'][number];
