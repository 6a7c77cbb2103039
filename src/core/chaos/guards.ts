import type { ActionSpec, LocalTarget } from '../spec/kinds/chaos/actions.ts';
import { targetOf } from '../spec/kinds/chaos/actions.ts';
import type { BlastRadius } from '../spec/kinds/chaos/blast-radius.ts';

/**
 * The checks that run before anything is touched: the allow-list (ChaosTarget), loopback
 * only for local targets, and the blast radius. Each returns the refusal, naming the limit
 * and the fix, or undefined.
 */

export function refuseLocalTarget(action: ActionSpec, allow: readonly LocalTarget[]): string | undefined {
  const target = targetOf(action);
  if (target === 'kubernetes-pods') return undefined;
  if (!allow.includes(target)) {
    return `${action.type} acts on ${target}, which ChaosTarget spec.local.allow does not list (${allow.join(', ') || 'nothing'}); add it there to allow it`;
  }
  return undefined;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|\[::1\]|localhost)$/;

/** Local experiments touch this machine only: every URL they use must be loopback. */
export function refuseNonLoopback(what: string, url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return `${what} "${url}" is not a URL`;
  }
  return LOOPBACK.test(host)
    ? undefined
    : `${what} ${url} is not on this machine; target local acts on loopback addresses only (use target kubernetes for a cluster)`;
}

/**
 * Share of a logical model's requests a fault set can touch: per fault, the weight of the
 * variant it targets ("*" and "fallback" reach every request) times its probability; capped at 1.
 */
export function faultTrafficShare(
  faults: readonly { variant: string; probability: number }[],
  weights: Record<string, number>,
): number {
  const total = Object.values(weights).reduce((a, b) => a + b, 0) || 100;
  const share = faults.reduce((sum, f) => {
    const reach = f.variant === '*' || f.variant === 'fallback' ? 1 : (weights[f.variant] ?? 0) / total;
    return sum + reach * f.probability;
  }, 0);
  return Math.min(1, share);
}

export function refuseFaultBlastRadius(
  faults: readonly { variant: string; probability: number }[],
  weights: Record<string, number>,
  limits: BlastRadius,
): string | undefined {
  const share = faultTrafficShare(faults, weights);
  if (share > limits.maxTrafficShare + 1e-12) {
    return `the faults reach ${(share * 100).toFixed(1)}% of requests (weights ${JSON.stringify(weights)}), above blastRadius.maxTrafficShare ${(limits.maxTrafficShare * 100).toFixed(1)}%; lower the probability, or raise the limit (the ChaosTarget's blastRadius, which the experiment may narrow)`;
  }
  return undefined;
}
