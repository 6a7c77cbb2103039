import { z } from 'zod';
import { duration } from '../common.ts';

/**
 * What a chaos experiment does. Local actions act on the real processes of the embedded
 * stack (tritonserver, Redis, Prometheus) and on the gateway's admin API; the Kubernetes
 * action deletes pods through the API server. Every action names its target kind, so the
 * ChaosTarget allow-list and the blast-radius limits are checked before anything runs.
 */

const faultSchema = z.strictObject({
  /** A variant, "*" (every variant and the fallback model) or "fallback" (the fallback model only). */
  variant: z.string().min(1),
  kind: z.enum(['error', 'latency', 'reset']),
  probability: z.number().min(0).max(1),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  /** Seed of the gateway's fault sampler, so a run is repeatable. */
  seed: z.number().int().optional(),
});

const models = z.array(z.string().min(1)).min(1);
const redisRole = z.enum(['cache', 'feature-store'], {
  error: 'must be "cache" (the prediction cache) or "feature-store" (online features)',
});

/** Kubernetes label selector syntax (equality- and set-based), as `kubectl -l` takes it. */
const labelSelector = z
  .string()
  .min(1, 'must select pods, e.g. "app.kubernetes.io/name=triton"')
  .regex(
    /^[\w./-]+(\s*(=|==|!=)\s*[\w.-]*|\s+(in|notin)\s*\([\w.,\s-]*\))?(\s*,\s*!?[\w./-]+(\s*(=|==|!=)\s*[\w.-]*|\s+(in|notin)\s*\([\w.,\s-]*\))?)*$/,
    {
      message:
        'is not a label selector; write it as kubectl -l takes it, e.g. "app.kubernetes.io/name=triton,tier in (gpu)"',
    },
  );

export const actionSchema = z.discriminatedUnion('type', [
  /** Signal the tritonserver process group: SIGKILL is a crash, SIGTERM a graceful stop. */
  z.strictObject({ type: z.literal('triton-kill'), signal: z.enum(['SIGKILL', 'SIGTERM']).default('SIGKILL') }),
  /** Start tritonserver on the same ports and models, when it does not run. */
  z.strictObject({ type: z.literal('triton-start') }),
  /** Triton model control: unload ("the GPU lost the model") or load models. */
  z.strictObject({ type: z.literal('triton-unload'), models }),
  z.strictObject({
    type: z.literal('triton-load'),
    models,
    /**
     * `if-not-ready`: load what is not loaded (idempotent, for rollbacks). `reload`: load
     * even when ready, as a deploy does; Triton keeps serving the loaded version if the new
     * one cannot be loaded. `replace`: unload first, then load: a deploy that drops the old
     * version before it has the new one.
     */
    strategy: z.enum(['if-not-ready', 'reload', 'replace']).default('if-not-ready'),
  }),
  /** The model registry (the repository Triton loads from) becomes unreachable, and comes back. */
  z.strictObject({ type: z.literal('registry-outage') }),
  z.strictObject({ type: z.literal('registry-restore') }),
  /** Replace the gateway's active fault set (errors, latency, resets at its Triton client). */
  z.strictObject({
    type: z.literal('gateway-faults'),
    model: z.string().optional(),
    faults: z.array(faultSchema).min(1),
  }),
  z.strictObject({ type: z.literal('gateway-clear-faults') }),
  /** Set a model's routing weights, or put back the weights found before the method. */
  z.strictObject({
    type: z.literal('gateway-weights'),
    model: z.string().optional(),
    weights: z.record(z.string(), z.number().min(0).max(100)).optional(),
    restore: z.literal(true).optional(),
  }),
  /** Redis: kill (SIGKILL, data gone), pause (SIGSTOP: connections hang), resume, start, flush. */
  z.strictObject({ type: z.literal('redis-kill'), redis: redisRole }),
  z.strictObject({ type: z.literal('redis-pause'), redis: redisRole }),
  z.strictObject({ type: z.literal('redis-resume'), redis: redisRole }),
  z.strictObject({ type: z.literal('redis-start'), redis: redisRole }),
  z.strictObject({ type: z.literal('redis-flush'), redis: redisRole }),
  z.strictObject({ type: z.literal('prometheus-stop') }),
  z.strictObject({ type: z.literal('prometheus-start') }),
  /** The built-in load's inputs change: numeric features scaled, features set (model drift). */
  z.strictObject({
    type: z.literal('traffic-shift'),
    scale: z.record(z.string(), z.number().positive()).default({}),
    set: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
  }),
  /** Extra requests per second on the hot keys on top of the built-in load (a cache stampede); 0 ends it. */
  z.strictObject({ type: z.literal('traffic-burst'), rate: z.number().min(0).max(2_000) }),
  /** Delete pods (the Kubernetes target): chosen by selector, opted in by annotation, bounded. */
  z.strictObject({
    type: z.literal('pod-delete'),
    namespace: z.string().min(1),
    labelSelector,
    mode: z.enum(['one', 'fixed', 'percent']).default('one'),
    /** Pods for `fixed`, percent of the eligible pods (rounded down, at least one) for `percent`. */
    value: z.number().positive().optional(),
    /** Seed of the pod choice, so a run is repeatable. */
    seed: z.number().int().default(1),
    /** Wait until as many pods are Ready as before, and measure how long it took. */
    waitReady: z.boolean().default(true),
    readyTimeout: duration.default('10m'),
    gracePeriodSeconds: z.number().int().min(0).optional(),
  }),
]);

export type ActionSpec = z.infer<typeof actionSchema>;
export type ActionType = ActionSpec['type'];
export type PodDeleteAction = Extract<ActionSpec, { type: 'pod-delete' }>;

/** What each action may touch: the ChaosTarget allow-list speaks these names. */
export const LOCAL_TARGETS = [
  'triton-process',
  'triton-models',
  'model-registry',
  'gateway',
  'redis',
  'prometheus',
  'traffic',
] as const;
export type LocalTarget = (typeof LOCAL_TARGETS)[number];

export function targetOf(action: ActionSpec): LocalTarget | 'kubernetes-pods' {
  switch (action.type) {
    case 'triton-kill':
    case 'triton-start':
      return 'triton-process';
    case 'triton-unload':
    case 'triton-load':
      return 'triton-models';
    case 'registry-outage':
    case 'registry-restore':
      return 'model-registry';
    case 'gateway-faults':
    case 'gateway-clear-faults':
    case 'gateway-weights':
      return 'gateway';
    case 'redis-kill':
    case 'redis-pause':
    case 'redis-resume':
    case 'redis-start':
    case 'redis-flush':
      return 'redis';
    case 'prometheus-stop':
    case 'prometheus-start':
      return 'prometheus';
    case 'traffic-shift':
    case 'traffic-burst':
      return 'traffic';
    case 'pod-delete':
      return 'kubernetes-pods';
  }
}

/** Actions that have an inverse: with `duration`, the runner reverts them after that long. */
export function revertOf(action: ActionSpec): ActionSpec | undefined {
  switch (action.type) {
    case 'triton-kill':
      return { type: 'triton-start' };
    case 'triton-unload':
      return { type: 'triton-load', models: action.models, strategy: 'if-not-ready' };
    case 'registry-outage':
      return { type: 'registry-restore' };
    case 'gateway-faults':
      return { type: 'gateway-clear-faults' };
    case 'gateway-weights':
      return action.restore
        ? undefined
        : { type: 'gateway-weights', restore: true, ...(action.model ? { model: action.model } : {}) };
    case 'redis-kill':
      return { type: 'redis-start', redis: action.redis };
    case 'redis-pause':
      return { type: 'redis-resume', redis: action.redis };
    case 'prometheus-stop':
      return { type: 'prometheus-start' };
    case 'traffic-shift':
      return { type: 'traffic-shift', scale: {}, set: {} };
    case 'traffic-burst':
      return { type: 'traffic-burst', rate: 0 };
    default:
      return undefined;
  }
}

/** Actions that only make sense on the Kubernetes target, and those that work on both. */
export const KUBERNETES_ACTIONS: readonly ActionType[] = [
  'pod-delete',
  'gateway-faults',
  'gateway-clear-faults',
  'gateway-weights',
];
