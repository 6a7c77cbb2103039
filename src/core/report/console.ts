import { gameDayOutcome } from './outcome.ts';
import { SUMMARY_COLUMNS, summaryRow } from './summary-rows.ts';
import type { GameDayResult } from './types.ts';

/** The short table the game day prints at the end: one line per experiment, then the verdict. */
export function renderConsoleTable(result: GameDayResult): string {
  const rows = [[...SUMMARY_COLUMNS], ...result.experiments.map(summaryRow)];
  const widths = SUMMARY_COLUMNS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] as number))
      .join('  ')
      .trimEnd();
  const outcome = gameDayOutcome(result);
  const out = [line(rows[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  if (result.experiments.length === 0) out.push('(no experiments ran)');
  out.push('', `game day: ${outcome.status === 'no_data' ? 'NO DATA' : outcome.status.toUpperCase()}`);
  for (const f of outcome.failures) out.push(`  - ${f}`);
  return `${out.join('\n')}\n`;
}
