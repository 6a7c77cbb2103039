import type { AbDecision, ExperimentOutcome, FaultWindow } from '../../core/report/types.ts';
import type { AbController } from '../abtest/controller.ts';

/**
 * The playbook's "A/B variant failure": variant B starts failing (errors injected at the
 * gateway's Triton client for v2 only); the A/B controller must roll back to 100% A within
 * 30 s. The controller is the one watching Prometheus all game day; this phase only breaks
 * v2, waits for the rollback, and undoes both.
 */
export async function badVariantPhase(opts: {
  gatewayUrl: string;
  adminToken: string;
  controller: AbController;
  model: string;
  badVariant: string;
  timeoutSeconds: number;
  log: (line: string) => void;
  decisions: AbDecision[];
}): Promise<{ outcome: ExperimentOutcome; window: FaultWindow }> {
  const headers = { authorization: `Bearer ${opts.adminToken}`, 'content-type': 'application/json' };
  const startMs = Date.now();
  await fetch(`${opts.gatewayUrl}/admin/faults`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({
      faults: [{ model: opts.model, variant: opts.badVariant, kind: 'error', probability: 0.5, seed: 5 }],
    }),
  });
  opts.log(`bad variant: errors injected into ${opts.model}/${opts.badVariant}; waiting for the A/B controller`);
  let rolledBackMs: number | undefined;
  while (Date.now() - startMs < opts.timeoutSeconds * 1000) {
    await new Promise((r) => setTimeout(r, 1_000));
    if (opts.controller.rolledBackAt) {
      rolledBackMs = opts.controller.rolledBackAt.getTime();
      break;
    }
  }
  await fetch(`${opts.gatewayUrl}/admin/faults`, { method: 'DELETE', headers });
  const endMs = Date.now();
  const weights = (await (
    await fetch(`${opts.gatewayUrl}/admin/models/${opts.model}/weights`, { headers })
  ).json()) as {
    weights: Record<string, number>;
  };
  const verdict = opts.controller.lastVerdict;
  if (verdict) {
    opts.decisions.push({
      atMs: rolledBackMs ?? endMs,
      experiment: verdict.experiment,
      decision: verdict.decision,
      reason: verdict.reason,
      weights: weights.weights,
    });
  }
  const detection = rolledBackMs === undefined ? null : (rolledBackMs - startMs) / 1000;
  const held = detection !== null && detection <= 30;
  return {
    window: { experiment: 'ab-variant-failure', label: `errors in ${opts.badVariant}`, startMs, endMs },
    outcome: {
      name: 'ab-variant-failure',
      title: 'A/B variant failure: auto-rollback to 100% control',
      hypothesis: `error rate of ${opts.badVariant} > 2x control -> rollback to 100% control within 30 s`,
      verdict: held ? 'held' : 'deviated',
      explanation: held
        ? [`rolled back after ${detection?.toFixed(1)} s; weights now ${JSON.stringify(weights.weights)}`]
        : [
            `no rollback within ${opts.timeoutSeconds} s (last decision: ${verdict?.decision ?? 'none'}: ${verdict?.reason ?? ''})`,
          ],
      detectionSeconds: detection,
      detectionTargetSeconds: 30,
      recoverySeconds: detection,
      recoveryTargetSeconds: 30,
      pagesExpected: [],
      pagesReceived: [],
    },
  };
}
