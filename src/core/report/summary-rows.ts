import { formatAgainstTarget, formatSeconds } from './format.ts';
import { missingPages } from './outcome.ts';
import type { ExperimentOutcome } from './types.ts';

/** One experiment as the summary tables show it (markdown and console share the columns). */
export const SUMMARY_COLUMNS = ['experiment', 'verdict', 'detection', 'recovery', 'pages'] as const;

export function summaryRow(e: ExperimentOutcome): string[] {
  const missing = missingPages(e);
  return [
    e.name,
    e.verdict.replace('_', ' '),
    e.detectionTargetSeconds === null
      ? formatSeconds(e.detectionSeconds)
      : formatAgainstTarget(e.detectionSeconds, e.detectionTargetSeconds),
    e.recoveryTargetSeconds === null
      ? formatSeconds(e.recoverySeconds)
      : formatAgainstTarget(e.recoverySeconds, e.recoveryTargetSeconds),
    `${e.pagesReceived.length}/${e.pagesExpected.length}${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}`,
  ];
}
