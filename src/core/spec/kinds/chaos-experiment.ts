import { z } from 'zod';
import { type ActionSpec, actionSchema, KUBERNETES_ACTIONS, revertOf, undoes } from './chaos/actions.ts';
import { blastRadiusNarrowing } from './chaos/blast-radius.ts';
import { isGatewayProbe, probeSchema, toleranceSchema } from './chaos/probes.ts';
import { documentOf, duration } from './common.ts';

/**
 * `kind: ChaosExperiment` (chaos/experiments/*.yaml): one row of the playbook's failure
 * table made executable, in the shape Chaos Toolkit gave the practice: a steady-state
 * hypothesis checked before, during and after the method; the method; rollbacks that
 * always run; abort conditions checked continuously; blast-radius limits; and the
 * detection and recovery times the playbook promises, asserted.
 */

const PHASES = ['before', 'during', 'after'] as const;
export type Phase = (typeof PHASES)[number];

const stepName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-", e.g. "kill-triton"');

const hypothesisProbe = z.strictObject({
  name: stepName,
  probe: probeSchema,
  tolerance: toleranceSchema,
  /** Where the tolerance must hold; "during" = from the first action until recovery. */
  phases: z.array(z.enum(PHASES)).min(1).default(['before', 'during', 'after']),
});

const step = z.strictObject({
  name: stepName,
  action: actionSchema,
  /** Wait this long before the action (probes and abort conditions keep running). */
  pauseBefore: duration.optional(),
  /** Keep the fault this long, then revert it (triton-kill -> start, redis-pause -> resume, ...). */
  duration: duration.optional(),
  pauseAfter: duration.optional(),
  /** `failure`: the action is expected to fail (a deploy while the registry is down); success then fails the run. */
  expect: z.enum(['success', 'failure']).default('success'),
});

const rollback = z.strictObject({ name: stepName, action: actionSchema });

const expectation = z.strictObject({
  probe: probeSchema,
  tolerance: toleranceSchema,
  within: duration,
});

const load = z.strictObject({
  /** Open-model arrivals per second (a fixed rate, not a closed loop: latency does not slow it). */
  rate: z.number().positive().max(2_000),
  /** Known users: their repeat requests can be served from the cache. */
  users: z.number().int().positive().default(300),
  /** Share of requests from known users with their usual features (cache keys repeat). */
  repeatShare: z.number().min(0).max(1).default(0.5),
  /** Share of requests on a few hot keys (the stampede's victims). */
  hotShare: z.number().min(0).max(1).default(0),
  hotKeys: z.number().int().positive().default(5),
  /** Send only the request-time features; the rest come from the online feature store (seeded first). */
  useFeatureStore: z.boolean().default(false),
  seed: z.number().int().default(1),
});

/** `feature-store`: Stack.featureStore set; `redis-cache`: Stack.cache.backend redis; `prometheus`: a Prometheus to query. */
export const REQUIREMENTS = ['feature-store', 'redis-cache', 'prometheus'] as const;

export const chaosExperimentSpec = z
  .strictObject({
    target: z.enum(['local', 'kubernetes']),
    /** The row of the playbook's failure table this experiment checks (documentation and report). */
    playbook: z.strictObject({
      failure: z.string().min(1),
      detection: z.string().min(1),
      mitigation: z.string().min(1),
      /** The production recovery target, e.g. "2m"; "n/a" where existing service must not be touched at all. */
      recoveryTarget: z.union([duration, z.literal('n/a')]),
    }),
    /** What the Stack must have for this experiment (checked before anything runs). */
    requires: z.array(z.enum(REQUIREMENTS)).default([]),
    load: load.optional(),
    probeInterval: duration.default('500ms'),
    steadyState: z.strictObject({
      /** Default sliding window of gateway probes. */
      window: duration.default('5s'),
      /** Fewer requests than this in a window is "no data", never a pass or a fail. */
      minRequests: z.number().int().min(1).default(20),
      /** Load before the before-check (at least one window). */
      warmup: duration.optional(),
      /**
       * When the before-check fails, check again over fresh windows until it holds or this
       * long has passed: inject only into a system in steady state (default: check once).
       */
      waitForSteadyState: duration.default('0s'),
      /** After recovery, wait this long (at least one window) before the after-check. */
      settle: duration.optional(),
      probes: z.array(hypothesisProbe).min(1),
    }),
    method: z.array(step).min(1),
    rollbacks: z.array(rollback).default([]),
    /** The playbook's detection: this probe must enter its tolerance within `within` of the first action. */
    detection: expectation.optional(),
    /** The playbook's recovery target, scaled to the local stack; measured from the fault's start or end. */
    recovery: expectation.extend({ from: z.enum(['fault-start', 'fault-end']).default('fault-start') }).optional(),
    /** Checked every probe interval once the method starts: outside tolerance for `for` -> abort, roll back. */
    abort: z
      .array(
        z.strictObject({ name: stepName, probe: probeSchema, tolerance: toleranceSchema, for: duration.default('0s') }),
      )
      .default([]),
    /** Narrows the ChaosTarget's blast-radius ceilings for this experiment (never raises them). */
    blastRadius: blastRadiusNarrowing.prefault({}),
  })
  .superRefine((spec, ctx) => {
    const unique = (names: string[], path: (string | number)[]) => {
      const seen = new Set<string>();
      names.forEach((n, i) => {
        if (seen.has(n))
          ctx.addIssue({
            code: 'custom',
            path: [...path, i, 'name'],
            message: `"${n}" is used twice; names must be unique`,
          });
        seen.add(n);
      });
    };
    unique(
      spec.steadyState.probes.map((p) => p.name),
      ['steadyState', 'probes'],
    );
    unique([...spec.method.map((s) => s.name)], ['method']);
    unique([...spec.rollbacks.map((s) => s.name)], ['rollbacks']);
    unique(
      spec.abort.map((a) => a.name),
      ['abort'],
    );

    const actions: [ActionSpec, (string | number)[]][] = [
      ...spec.method.map((s, i): [ActionSpec, (string | number)[]] => [s.action, ['method', i, 'action']]),
      ...spec.rollbacks.map((s, i): [ActionSpec, (string | number)[]] => [s.action, ['rollbacks', i, 'action']]),
    ];
    for (const [action, path] of actions) {
      if (spec.target === 'local' && action.type === 'pod-delete') {
        ctx.addIssue({ code: 'custom', path: [...path, 'type'], message: 'pod-delete needs target: kubernetes' });
      }
      if (spec.target === 'kubernetes' && !KUBERNETES_ACTIONS.includes(action.type)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'type'],
          message: `${action.type} acts on a local process; on target kubernetes use ${KUBERNETES_ACTIONS.join(', ')}`,
        });
      }
      if ((action.type === 'traffic-shift' || action.type === 'traffic-burst') && !spec.load) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'type'],
          message: `${action.type} changes the built-in load; add spec.load`,
        });
      }
      if (action.type === 'gateway-weights' && !action.restore === !action.weights) {
        ctx.addIssue({ code: 'custom', path, message: 'give either weights: {v1: 100, v2: 0} or restore: true' });
      }
      if (action.type === 'pod-delete' && action.mode !== 'one' && action.value === undefined) {
        ctx.addIssue({ code: 'custom', path: [...path, 'value'], message: `mode ${action.mode} needs a value` });
      }
      if (action.type === 'pod-delete' && action.mode === 'fixed' && !Number.isInteger(action.value)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'value'],
          message: 'mode fixed counts pods: an integer, e.g. 1',
        });
      }
      if (action.type === 'pod-delete' && action.mode === 'percent' && (action.value ?? 0) > 100) {
        ctx.addIssue({ code: 'custom', path: [...path, 'value'], message: 'mode percent takes 1 to 100' });
      }
    }
    spec.method.forEach((s, i) => {
      if (s.duration && !revertOf(s.action)) {
        ctx.addIssue({
          code: 'custom',
          path: ['method', i, 'duration'],
          message: `${s.action.type} has no inverse to run after a duration; add the undoing action as the next step`,
        });
      }
      // A fault that nothing switches off outlives the run (a gateway-faults run once exited
      // with its injected errors still on): it needs a duration or a rollback that undoes it.
      const inverse = revertOf(s.action);
      if (inverse && !s.duration && !spec.rollbacks.some((r) => undoes(r.action, inverse))) {
        ctx.addIssue({
          code: 'custom',
          path: ['method', i, 'duration'],
          message: `${s.name}: ${s.action.type} changes the system and nothing undoes it when the run ends or stops early; add duration (e.g. duration: 10s, then the engine runs ${inverse.type}) or a rollback with action ${JSON.stringify(inverse)}`,
        });
      }
    });
    const probes = [
      ...spec.steadyState.probes.map((p, i) => [p.probe, ['steadyState', 'probes', i, 'probe']] as const),
      ...(spec.detection ? [[spec.detection.probe, ['detection', 'probe']] as const] : []),
      ...(spec.recovery ? [[spec.recovery.probe, ['recovery', 'probe']] as const] : []),
      ...spec.abort.map((a, i) => [a.probe, ['abort', i, 'probe']] as const),
    ];
    for (const [probe, path] of probes) {
      if (spec.target === 'local' && probe.type === 'pods-ready') {
        ctx.addIssue({ code: 'custom', path: [...path, 'type'], message: 'pods-ready needs target: kubernetes' });
      }
      if (spec.target === 'kubernetes' && probe.type === 'triton-ready') {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'type'],
          message: 'triton-ready asks the local Triton; on target kubernetes use pods-ready or promql',
        });
      }
      if (spec.target === 'kubernetes' && isGatewayProbe(probe)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'type'],
          message: `${probe.type} reads one gateway's registry; on target kubernetes use a promql probe (summed over replicas)`,
        });
      }
    }
  });

export const chaosExperimentDocument = documentOf('ChaosExperiment', chaosExperimentSpec);
export type ChaosExperimentDocument = z.infer<typeof chaosExperimentDocument>;
export type ChaosExperimentSpec = ChaosExperimentDocument['spec'];
export type ExperimentStep = ChaosExperimentSpec['method'][number];
export type HypothesisProbe = ChaosExperimentSpec['steadyState']['probes'][number];
