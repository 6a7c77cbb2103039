import { z } from 'zod';

export const API_VERSION = 'steadystate.dev/v1alpha1';

/** Kubernetes-style names: they become label values and file names. */
export const resourceName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-", e.g. "fraud-availability"')
  .max(63);

export const metadata = z.strictObject({
  name: resourceName,
  labels: z.record(z.string(), z.string()).optional(),
  description: z.string().optional(),
});

/** Prometheus-style durations: 30s, 5m, 1h, 28d. Parsed to seconds by parseDuration. */
export const duration = z
  .string({ error: 'must be a duration like "500ms", "30s", "5m", "1h", "28d": a number with its unit, as a string' })
  .regex(/^\d+(ms|s|m|h|d|w)$/, 'must be a duration like "500ms", "30s", "5m", "1h", "28d"');

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a duration like 30s, 5m, 1h, 28d`);
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}

/** Wraps a kind's spec in the common envelope. */
export function documentOf<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({
    apiVersion: z.literal(API_VERSION, { error: `apiVersion must be "${API_VERSION}"` }),
    kind: z.literal(kind),
    metadata,
    spec,
  });
}
