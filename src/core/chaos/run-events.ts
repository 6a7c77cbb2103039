import type { ActionSpec } from '../spec/kinds/chaos/actions.ts';
import type { Journal, PhaseCheck, StepRecord } from './journal.ts';
import type { ProbeVerdict } from './verdict.ts';

/**
 * What a run reports while it runs, typed, so the CLI prints it, the game day logs it and
 * the tests assert on it. `at` is seconds since the run started (the engine's clock).
 * `role` tells a method step from the automatic revert after its duration and from the
 * rollbacks that always run.
 */
export type StepRole = 'method' | 'revert' | 'rollback';

export type RunEvent =
  | { type: 'refused'; at: number; reasons: string[] }
  | { type: 'dry-run'; at: number; checked: string[]; plan: string[] }
  | { type: 'load-started'; at: number; rate: number; note?: string }
  | { type: 'hypothesis'; at: number; phase: 'before' | 'during' | 'after'; check: PhaseCheck }
  | { type: 'steady-state-retry'; at: number }
  | { type: 'window-deviation'; at: number; verdict: ProbeVerdict }
  | { type: 'action-started'; at: number; role: StepRole; name: string; action: ActionSpec }
  | { type: 'action-finished'; at: number; role: StepRole; step: StepRecord }
  | { type: 'detected'; at: number; afterSeconds: number; why: string }
  | { type: 'recovered'; at: number; afterSeconds: number; why: string }
  | { type: 'aborted'; at: number; condition: string; why: string }
  | { type: 'interrupted'; at: number; by: string }
  | { type: 'rollback'; at: number; steps: number; cutShort: string[] }
  | { type: 'error'; at: number; message: string }
  | { type: 'concluded'; at: number; status: Journal['status']; deviated: boolean; dryRun: boolean; reason: string };

export type RunListener = (event: RunEvent) => void;

/** One line for a person watching the run (the CLI's stderr, the game day's log); undefined: nothing to say. */
export function describeRunEvent(e: RunEvent): string | undefined {
  const at = `[${e.at.toFixed(1).padStart(6)} s]`;
  const line = (text: string) => `${at} ${text}`;
  switch (e.type) {
    case 'refused':
      return e.reasons.map((r) => line(`refused: ${r}`)).join('\n');
    case 'dry-run':
      return [
        ...e.plan.map((p) => line(`plan: ${p}`)),
        ...e.checked.map((c) => line(`checked: ${c}`)),
        line('dry run: nothing was injected and nothing was measured; the hypothesis was not tested'),
      ].join('\n');
    case 'load-started':
      return line(`load: ${e.rate} req/s${e.note ? ` (${e.note})` : ''}`);
    case 'hypothesis': {
      const c = e.check;
      return [
        line(
          `steady state ${e.phase}: ${c.held ? 'held' : 'NOT met'} (${c.verdicts.map((v) => `${v.probe} ${v.outcome}`).join(', ')})`,
        ),
        ...c.verdicts.filter((v) => v.outcome !== 'ok').map((v) => line(`  ${v.probe}: ${v.why}`)),
      ].join('\n');
    }
    case 'steady-state-retry':
      return line('not in steady state yet: checking again over a fresh window');
    case 'window-deviation':
      return line(`during: ${e.verdict.probe} ${e.verdict.outcome}: ${e.verdict.why}`);
    case 'action-started':
      // The finished line says what it did; a start alone says nothing a watcher needs.
      return undefined;
    case 'action-finished': {
      const s = e.step;
      const role = e.role === 'method' ? '' : `${e.role} `;
      return line(
        `${role}${s.name} (${s.type}): ${s.outcome}${s.detail ? `: ${s.detail}` : ''}${s.error ? `: ${s.error}` : ''}`,
      );
    }
    case 'detected':
      return line(`detected after ${e.afterSeconds.toFixed(2)} s: ${e.why}`);
    case 'recovered':
      return line(`recovered after ${e.afterSeconds.toFixed(2)} s: ${e.why}`);
    case 'aborted':
      return line(`ABORT: ${e.condition}: ${e.why}`);
    case 'interrupted':
      return line(`interrupted (${e.by}): stopping the method, rolling back`);
    case 'rollback':
      return line(
        `rolling back: ${e.cutShort.length ? `reverting ${e.cutShort.join(', ')} (duration cut short), then ` : ''}${e.steps} rollback${e.steps === 1 ? '' : 's'}`,
      );
    case 'error':
      return line(e.message);
    case 'concluded':
      return line(e.dryRun ? `dry run: ${e.reason}` : `${e.status}${e.deviated ? ' (deviated)' : ''}: ${e.reason}`);
  }
}
