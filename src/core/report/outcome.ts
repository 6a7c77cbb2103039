import type { ExperimentOutcome, GameDayResult } from './types.ts';

/**
 * The game day's verdict (issue 9: fail when any hypothesis failed or an expected page did
 * not arrive). "no_data" when no experiment ran at all: an empty game day proves nothing and
 * is neither a pass nor a fail.
 */
export interface GameDayOutcome {
  status: 'passed' | 'failed' | 'no_data';
  /** Each reason the run failed, naming the experiment and what happened. */
  failures: string[];
  /** Worth reading, not failing: unexpected pages, targets missed by an experiment that held. */
  notes: string[];
}

export function missingPages(e: ExperimentOutcome): string[] {
  return e.pagesExpected.filter((p) => !e.pagesReceived.includes(p));
}

export function unexpectedPages(e: ExperimentOutcome): string[] {
  return e.pagesReceived.filter((p) => !e.pagesExpected.includes(p));
}

export function gameDayOutcome(result: GameDayResult): GameDayOutcome {
  const failures: string[] = [];
  const notes: string[] = [];
  for (const e of result.experiments) {
    if (e.verdict === 'not_run') failures.push(`${e.name}: did not run (no journal)`);
    else if (e.verdict !== 'held')
      failures.push(
        `${e.name}: hypothesis ${e.verdict}${e.explanation.length > 0 ? `: ${e.explanation.join('; ')}` : ''}`,
      );
    const missing = missingPages(e);
    if (missing.length > 0)
      failures.push(`${e.name}: expected page${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not arrive`);
    const unexpected = unexpectedPages(e);
    if (unexpected.length > 0) notes.push(`${e.name}: also paged ${unexpected.join(', ')}`);
    if (e.verdict === 'held') {
      if (
        e.detectionTargetSeconds !== null &&
        e.detectionSeconds !== null &&
        e.detectionSeconds > e.detectionTargetSeconds
      )
        notes.push(`${e.name}: detected after ${e.detectionSeconds} s, target ${e.detectionTargetSeconds} s`);
      if (e.recoveryTargetSeconds !== null && e.recoverySeconds !== null && e.recoverySeconds > e.recoveryTargetSeconds)
        notes.push(`${e.name}: recovered after ${e.recoverySeconds} s, target ${e.recoveryTargetSeconds} s`);
    }
  }
  const ran = result.experiments.some((e) => e.verdict !== 'not_run');
  const status = !ran ? 'no_data' : failures.length > 0 ? 'failed' : 'passed';
  return { status, failures, notes };
}
