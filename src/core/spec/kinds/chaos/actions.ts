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
  /**
   * Spot reclamation of a batch job (playbook: "Batch Job Spot Interruption"): a batch job
   * (`steadystate batch score`) scores `input` through the stack's Triton; once it has
   * committed `interruptAfterRows` rows it gets SIGTERM (the spot notice), must checkpoint and
   * exit within `notice`; a new job resumes and must commit new rows within `resumeWithin`
   * of the notice, and the finished output must hold every row exactly once.
   */
  z.strictObject({
    type: z.literal('batch-spot-interrupt'),
    input: z
      .string()
      .regex(/\.(csv|parquet)$/, 'must be a .csv or .parquet dataset')
      .default('serving/data/test.csv'),
    tritonModel: z.string().min(1).default('fraud_v1'),
    interruptAfterRows: z.number().int().min(1).default(3000),
    checkpointRows: z.number().int().min(1).default(500),
    inflight: z.number().int().min(1).max(64).default(4),
    notice: duration.default('2m'),
    resumeWithin: duration.default('5m'),
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
  'batch-job',
] as const;
export type LocalTarget = (typeof LOCAL_TARGETS)[number];

type ActionOf<T extends ActionType> = Extract<ActionSpec, { type: T }>;

/**
 * What each action touches and what undoes it, one row per action type (the type checker
 * insists on a row for every action of the schema). `undo` returns the inverse of an action
 * that leaves the system changed (a fault that stays on until something switches it off);
 * actions without one either undo something themselves (start, resume, restore, clear) or
 * heal on their own (a flushed cache refills, a deleted pod is replaced by its ReplicaSet).
 */
interface ActionTraits<T extends ActionType> {
  target: LocalTarget | 'kubernetes-pods';
  undo?: (action: ActionOf<T>) => ActionSpec | undefined;
}

export const ACTIONS: { readonly [T in ActionType]: ActionTraits<T> } = {
  'triton-kill': { target: 'triton-process', undo: () => ({ type: 'triton-start' }) },
  'triton-start': { target: 'triton-process' },
  'triton-unload': {
    target: 'triton-models',
    undo: (a) => ({ type: 'triton-load', models: a.models, strategy: 'if-not-ready' }),
  },
  'triton-load': { target: 'triton-models' },
  'registry-outage': { target: 'model-registry', undo: () => ({ type: 'registry-restore' }) },
  'registry-restore': { target: 'model-registry' },
  'gateway-faults': { target: 'gateway', undo: () => ({ type: 'gateway-clear-faults' }) },
  'gateway-clear-faults': { target: 'gateway' },
  'gateway-weights': {
    target: 'gateway',
    undo: (a) =>
      a.restore ? undefined : { type: 'gateway-weights', restore: true, ...(a.model ? { model: a.model } : {}) },
  },
  'redis-kill': { target: 'redis', undo: (a) => ({ type: 'redis-start', redis: a.redis }) },
  'redis-pause': { target: 'redis', undo: (a) => ({ type: 'redis-resume', redis: a.redis }) },
  'redis-resume': { target: 'redis' },
  'redis-start': { target: 'redis' },
  'redis-flush': { target: 'redis' },
  'prometheus-stop': { target: 'prometheus', undo: () => ({ type: 'prometheus-start' }) },
  'prometheus-start': { target: 'prometheus' },
  'traffic-shift': {
    target: 'traffic',
    undo: (a) =>
      Object.keys(a.scale).length === 0 && Object.keys(a.set).length === 0
        ? undefined
        : { type: 'traffic-shift', scale: {}, set: {} },
  },
  'traffic-burst': { target: 'traffic', undo: (a) => (a.rate > 0 ? { type: 'traffic-burst', rate: 0 } : undefined) },
  'pod-delete': { target: 'kubernetes-pods' },
  // The job it interrupts is its own and finishes within the action: nothing to undo.
  'batch-spot-interrupt': { target: 'batch-job' },
};

function traits<T extends ActionType>(action: ActionOf<T>): ActionTraits<T> {
  return ACTIONS[action.type as T] as ActionTraits<T>;
}

export function targetOf(action: ActionSpec): LocalTarget | 'kubernetes-pods' {
  return traits(action).target;
}

/** The inverse of an action that leaves the system changed; with `duration`, the engine runs it after that long. */
export function revertOf(action: ActionSpec): ActionSpec | undefined {
  return traits(action).undo?.(action);
}

/**
 * Whether a rollback undoes what `inverse` undoes: the same action on the same thing (the
 * same Redis, at least the same models, the same model's weights; an unnamed model is the
 * Stack's first and matches either way).
 */
export function undoes(rollback: ActionSpec, inverse: ActionSpec): boolean {
  if (rollback.type !== inverse.type) return false;
  const r = rollback as Record<string, unknown>;
  for (const [key, want] of Object.entries(inverse)) {
    const have = r[key];
    if (key === 'strategy') continue;
    if (key === 'model') {
      if (have !== undefined && have !== want) return false;
    } else if (key === 'models') {
      if (!(want as string[]).every((m) => (have as string[] | undefined)?.includes(m))) return false;
    } else if (JSON.stringify(have) !== JSON.stringify(want)) return false;
  }
  return true;
}

/** Actions that only make sense on the Kubernetes target, and those that work on both. */
export const KUBERNETES_ACTIONS: readonly ActionType[] = [
  'pod-delete',
  'gateway-faults',
  'gateway-clear-faults',
  'gateway-weights',
];
