import { mulberry32 } from '../../core/random/mulberry32.ts';
import { InvalidRequestError } from '../errors.ts';

/**
 * Fault injection at the gateway's Triton client, per model and variant, with a seeded
 * probability (so a chaos run is repeatable): extra latency, an error, or a connection reset.
 * Set through the admin API by the chaos runner and the A/B tests.
 */
export interface FaultSpec {
  model: string;
  variant: string;
  kind: 'error' | 'latency' | 'reset';
  probability: number;
  latencyMs?: number;
  seed?: number;
}

export type FaultDecision = { kind: 'error' | 'reset' } | { kind: 'latency'; latencyMs: number } | undefined;

export class FaultInjector {
  private active: { spec: FaultSpec; random: () => number }[] = [];

  list(): FaultSpec[] {
    return this.active.map((f) => f.spec);
  }

  clear(): void {
    this.active = [];
  }

  /** Validates and replaces the active set. `known` maps model -> variant names (plus the fallback model as "fallback"). */
  replace(body: unknown, known: Map<string, string[]>): FaultSpec[] {
    const faults = (body as { faults?: unknown } | null)?.faults;
    if (!Array.isArray(faults))
      throw new InvalidRequestError(
        'body must be {"faults": [ {model, variant, kind, probability, latencyMs?, seed?} ]}',
        'faults',
      );
    const parsed = faults.map((f, i) => parseFault(f, i, known));
    this.active = parsed.map((spec) => ({ spec, random: mulberry32(spec.seed ?? 1) }));
    return parsed;
  }

  decide(model: string, variant: string): FaultDecision {
    for (const f of this.active) {
      if (f.spec.model !== model || (f.spec.variant !== variant && f.spec.variant !== '*')) continue;
      if (f.random() >= f.spec.probability) continue;
      return f.spec.kind === 'latency'
        ? { kind: 'latency', latencyMs: f.spec.latencyMs ?? 500 }
        : { kind: f.spec.kind };
    }
    return undefined;
  }
}

function parseFault(raw: unknown, i: number, known: Map<string, string[]>): FaultSpec {
  const f = (raw ?? {}) as Record<string, unknown>;
  const at = `faults[${i}]`;
  const variants = typeof f.model === 'string' ? known.get(f.model) : undefined;
  if (!variants)
    throw new InvalidRequestError(
      `${at}.model must be one of ${[...known.keys()].join(', ')}, got ${JSON.stringify(f.model)}`,
      `${at}.model`,
    );
  if (typeof f.variant !== 'string' || !(variants.includes(f.variant) || f.variant === '*')) {
    throw new InvalidRequestError(
      `${at}.variant must be one of ${[...variants, '*'].join(', ')}, got ${JSON.stringify(f.variant)}`,
      `${at}.variant`,
    );
  }
  if (f.kind !== 'error' && f.kind !== 'latency' && f.kind !== 'reset') {
    throw new InvalidRequestError(
      `${at}.kind must be "error", "latency" or "reset", got ${JSON.stringify(f.kind)}`,
      `${at}.kind`,
    );
  }
  if (typeof f.probability !== 'number' || !(f.probability >= 0 && f.probability <= 1)) {
    throw new InvalidRequestError(
      `${at}.probability must be a number from 0 to 1, got ${JSON.stringify(f.probability)}`,
      `${at}.probability`,
    );
  }
  if (f.latencyMs !== undefined && (typeof f.latencyMs !== 'number' || !(f.latencyMs >= 0 && f.latencyMs <= 60_000))) {
    throw new InvalidRequestError(
      `${at}.latencyMs must be a number of milliseconds from 0 to 60000`,
      `${at}.latencyMs`,
    );
  }
  if (f.seed !== undefined && !Number.isInteger(f.seed))
    throw new InvalidRequestError(`${at}.seed must be an integer`, `${at}.seed`);
  return {
    model: f.model as string,
    variant: f.variant,
    kind: f.kind,
    probability: f.probability,
    ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs as number } : {}),
    ...(f.seed !== undefined ? { seed: f.seed as number } : {}),
  };
}
