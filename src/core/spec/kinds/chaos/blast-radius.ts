import { z } from 'zod';

/**
 * How much one experiment may break. The ceilings belong to the operator's ChaosTarget: an
 * experiment document is written by whoever wants to run it, so it may only narrow them (a
 * document that could raise its own limits would have none). The effective limits are the
 * ceilings, narrowed by what the experiment states.
 */
export const blastRadiusSchema = z.strictObject({
  /** Largest share of requests a gateway fault may touch (weight of the variant x probability). */
  maxTrafficShare: z.number().gt(0).max(1).default(1),
  /** Most pods one pod-delete may remove... */
  maxPods: z.number().int().positive().default(1),
  /** ...and at most this percent of the eligible pods... */
  maxPodPercent: z.number().gt(0).max(100).default(50),
  /** ...leaving at least this many Ready. */
  keepReady: z.number().int().min(0).default(1),
});
export type BlastRadius = z.infer<typeof blastRadiusSchema>;

/** An experiment's own limits: each one optional, and only ever narrower than the ChaosTarget's. */
export const blastRadiusNarrowing = z.strictObject({
  maxTrafficShare: z.number().gt(0).max(1).optional(),
  maxPods: z.number().int().positive().optional(),
  maxPodPercent: z.number().gt(0).max(100).optional(),
  keepReady: z.number().int().min(0).optional(),
});
export type BlastRadiusNarrowing = z.infer<typeof blastRadiusNarrowing>;

/** keepReady is a floor (more is narrower); the others are ceilings (less is narrower). */
const FLOORS: readonly (keyof BlastRadius)[] = ['keepReady'];

export function effectiveBlastRadius(ceiling: BlastRadius, narrowing: BlastRadiusNarrowing = {}): BlastRadius {
  const out = { ...ceiling };
  for (const key of Object.keys(ceiling) as (keyof BlastRadius)[]) {
    const own = narrowing[key];
    if (own === undefined) continue;
    out[key] = FLOORS.includes(key) ? Math.max(ceiling[key], own) : Math.min(ceiling[key], own);
  }
  return out;
}

/** Each limit the experiment states beyond the ChaosTarget's, naming both values and the fix. */
export function blastRadiusProblems(
  ceiling: BlastRadius,
  narrowing: BlastRadiusNarrowing = {},
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const key of Object.keys(ceiling) as (keyof BlastRadius)[]) {
    const own = narrowing[key];
    if (own === undefined) continue;
    const floor = FLOORS.includes(key);
    if (floor ? own < ceiling[key] : own > ceiling[key]) {
      problems.push({
        path: `spec.blastRadius.${key}`,
        message: `${own} is ${floor ? 'below' : 'above'} the ChaosTarget's ${floor ? 'floor' : 'ceiling'} blastRadius.${key} ${ceiling[key]}; an experiment may only narrow its target's limits (${floor ? 'raise it to at least' : 'lower it to at most'} ${ceiling[key]}, or have the operator change the ChaosTarget)`,
      });
    }
  }
  return problems;
}
