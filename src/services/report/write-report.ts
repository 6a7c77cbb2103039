import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderConsoleTable } from '../../core/report/console.ts';
import { renderReportHtml } from '../../core/report/html.ts';
import { renderSummaryMarkdown } from '../../core/report/markdown.ts';
import type { GameDayResult } from '../../core/report/types.ts';

export interface WrittenReport {
  html: string;
  markdown: string;
  json: string;
  /** What to print at the end of the run. */
  consoleTable: string;
}

/**
 * Writes report.html, summary.md and result.json (the result itself, so the report can be
 * rendered again) into `dir`, creating it. NaN ("no data") is written as null in the JSON.
 */
export async function writeGameDayReport(dir: string, result: GameDayResult): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const paths = { html: join(dir, 'report.html'), markdown: join(dir, 'summary.md'), json: join(dir, 'result.json') };
  await Promise.all([
    writeFile(paths.html, renderReportHtml(result)),
    writeFile(paths.markdown, renderSummaryMarkdown(result)),
    writeFile(paths.json, `${JSON.stringify(result, null, 2)}\n`),
  ]);
  return { ...paths, consoleTable: renderConsoleTable(result) };
}
