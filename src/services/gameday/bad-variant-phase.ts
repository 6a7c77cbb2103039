import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
import type { AbDecision, ExperimentOutcome, FaultWindow } from '../../core/report/types.ts';
import type { AbController } from '../abtest/controller.ts';

type PhaseAdmin = Pick<GatewayAdminClient, 'setFaults' | 'clearFaults' | 'getWeights'>;

/**
 * The playbook's "A/B variant failure": variant B starts failing (errors injected at the
 * gateway's Triton client for v2 only); the A/B controller must roll back to 100% A within
 * 30 s. The controller is the one watching Prometheus all game day; this phase only breaks
 * v2, waits for the rollback, and undoes both.
 */
export async function badVariantPhase(opts: {
  admin: PhaseAdmin;
  controller: AbController;
  model: string;
  badVariant: string;
  timeoutSeconds: number;
  log: (line: string) => void;
  decisions: AbDecision[];
}): Promise<{ outcome: ExperimentOutcome; window: FaultWindow }> {
  const startMs = Date.now();
  try {
    await opts.admin.setFaults([
      { model: opts.model, variant: opts.badVariant, kind: 'error', probability: 0.5, seed: 5 },
    ]);
  } catch (error) {
    // Without the fault the phase proves nothing: say so instead of waiting for a rollback.
    const why = `could not inject the fault: ${(error as Error).message}`;
    return phaseResult(opts.badVariant, { startMs, endMs: Date.now() }, 'failed', why, null);
  }
  opts.log(`bad variant: errors injected into ${opts.model}/${opts.badVariant}; waiting for the A/B controller`);
  let rolledBackMs: number | undefined;
  while (Date.now() - startMs < opts.timeoutSeconds * 1000) {
    await sleep(1_000);
    if (opts.controller.rolledBackAt) {
      rolledBackMs = opts.controller.rolledBackAt.getTime();
      break;
    }
  }
  await opts.admin
    .clearFaults()
    .catch((error: Error) => opts.log(`bad variant: clearing the fault failed: ${error.message}`));
  const endMs = Date.now();
  const weights = await opts.admin.getWeights(opts.model).catch((error: Error) => {
    opts.log(`bad variant: reading the weights failed: ${error.message}`);
    return {};
  });
  const verdict = opts.controller.lastVerdict;
  if (verdict) {
    opts.decisions.push({
      atMs: rolledBackMs ?? endMs,
      experiment: verdict.experiment,
      decision: verdict.decision,
      reason: verdict.reason,
      weights,
    });
  }
  const detection = rolledBackMs === undefined ? null : (rolledBackMs - startMs) / 1000;
  const held = detection !== null && detection <= 30;
  const explanation = held
    ? `rolled back after ${detection?.toFixed(1)} s; weights now ${JSON.stringify(weights)}`
    : `no rollback within ${opts.timeoutSeconds} s (last decision: ${verdict?.decision ?? 'none'}: ${verdict?.reason ?? ''})`;
  return phaseResult(opts.badVariant, { startMs, endMs }, held ? 'held' : 'deviated', explanation, detection);
}

/** The report's view of the phase: detection and recovery are both "rolled back", within 30 s. */
function phaseResult(
  badVariant: string,
  window: { startMs: number; endMs: number },
  verdict: ExperimentOutcome['verdict'],
  explanation: string,
  rollbackSeconds: number | null,
): { outcome: ExperimentOutcome; window: FaultWindow } {
  return {
    window: { experiment: 'ab-variant-failure', label: `errors in ${badVariant}`, ...window },
    outcome: {
      name: 'ab-variant-failure',
      title: 'A/B variant failure: auto-rollback to 100% control',
      hypothesis: `error rate of ${badVariant} > 2x control -> rollback to 100% control within 30 s`,
      verdict,
      explanation: [explanation],
      detectionSeconds: rollbackSeconds,
      detectionTargetSeconds: 30,
      recoverySeconds: rollbackSeconds,
      recoveryTargetSeconds: 30,
      pagesExpected: [],
      pagesReceived: [],
    },
  };
}
