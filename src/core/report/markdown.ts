import { deploysMarkdown } from './deploys.ts';
import { formatElapsed, formatMs, formatObjective, formatPercent, formatTimestamp } from './format.ts';
import { splitNotifications } from './notifications.ts';
import { gameDayOutcome } from './outcome.ts';
import { SUMMARY_COLUMNS, summaryRow } from './summary-rows.ts';
import type { GameDayResult, PageRecord } from './types.ts';

/** summary.md: the verdict and the tables, for a PR comment or a CI job summary. */
export function renderSummaryMarkdown(result: GameDayResult): string {
  const outcome = gameDayOutcome(result);
  const label = outcome.status === 'no_data' ? 'NO DATA' : outcome.status.toUpperCase();
  const lines = [
    `# ${result.title}: ${label}`,
    '',
    `${result.mode} run, ${formatTimestamp(result.startedAtMs)} to ${formatTimestamp(result.endedAtMs)} (${formatElapsed(result.endedAtMs - result.startedAtMs)}).`,
    '',
  ];
  if (outcome.failures.length > 0) lines.push('**Failures**', '', ...outcome.failures.map((f) => `- ${md(f)}`), '');
  if (outcome.notes.length > 0) lines.push('**Notes**', '', ...outcome.notes.map((n) => `- ${md(n)}`), '');
  const l = result.load;
  const notifications = splitNotifications(result.pages);
  const row = (p: PageRecord) => [formatElapsed(p.atMs - result.startedAtMs), p.alertname, p.status];
  lines.push(
    '## Load',
    '',
    `${l.sent} requests at ${Number.isFinite(l.achievedRatePerSecond) ? `${l.achievedRatePerSecond.toFixed(1)}/s` : 'no data'} (planned ${l.ratePerSecond}/s)${l.dropped > 0 ? `, ${l.dropped} dropped by the driver` : ''}; ` +
      `p${Number((result.slo.latencyQuantile * 100).toPrecision(4))} ${formatMs(l.p99Ms)} (SLO ${result.slo.latencyThresholdMs} ms), ` +
      `error ratio ${formatPercent(l.errorRatio)} (budget ${formatPercent(1 - result.slo.availabilityObjective)}).`,
    '',
    '## Experiments',
    '',
    mdTable([...SUMMARY_COLUMNS], result.experiments.map(summaryRow)),
    '',
    '## Error budget',
    '',
    mdTable(
      ['SLO', 'objective', 'consumed by this run', 'remaining'],
      result.errorBudget.map((b) => [
        b.slo,
        formatObjective(b.objective),
        formatPercent(b.consumedRatio),
        b.remainingRatio === null ? 'no data' : formatPercent(b.remainingRatio),
      ]),
    ),
    '',
    '## A/B decisions',
    '',
    mdTable(
      ['at', 'experiment', 'decision', 'why'],
      [...result.abDecisions]
        .sort((a, b) => a.atMs - b.atMs)
        .map((d) => [formatElapsed(d.atMs - result.startedAtMs), d.experiment, d.decision, d.reason]),
    ),
    '',
    ...deploysMarkdown(result.deploys, result.startedAtMs),
    '## Pages',
    '',
    mdTable(['at', 'alert', 'status'], notifications.pages.map(row)),
    '',
    '## Tickets',
    '',
    mdTable(
      ['at', 'alert', 'severity', 'status'],
      notifications.tickets.map((t) => [...row(t).slice(0, 2), t.severity, t.status]),
    ),
    '',
  );
  return `${lines.join('\n')}\n`;
}

function md(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function mdTable(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '_no data_';
  return [
    `| ${head.map(md).join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(md).join(' | ')} |`),
  ].join('\n');
}
