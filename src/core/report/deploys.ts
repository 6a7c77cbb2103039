import { niceTicks } from '../chart/scale.ts';
import { escapeXml, frame, legend, r1, svgClose, svgOpen, timeAxis } from '../chart/svg.ts';
import { isGood, type LoadRecord } from '../load/record.ts';
import { escapeHtml, formatElapsed, NO_DATA } from './format.ts';
import type { DeployRecord, EpochMs } from './types.ts';

/**
 * The report's "Shipping models" section: each deploy of the ship-model phase as a row of
 * stage bands on the run's time axis, its stages and canary decisions in a table, and the
 * load requests that were not answered well while it ran (the target is 0). Pure.
 */

export const STAGE_COLORS: Record<string, string> = {
  fetch: '#90a4ae',
  validate: '#7e57c2',
  publish: '#1e88e5',
  shadow: '#00897b',
  canary: '#f9a825',
  promote: '#2e7d32',
  rollback: '#c62828',
};

/** Fills each deploy's request counts from the load records (scheduled times are ms after `loadStartMs`). */
export function withLoadCounts(
  deploys: readonly DeployRecord[],
  records: readonly LoadRecord[],
  loadStartMs: EpochMs,
): DeployRecord[] {
  return deploys.map((d) => {
    const end = d.endMs ?? Number.POSITIVE_INFINITY;
    const during = records.filter((r) => {
      const at = loadStartMs + r.scheduledMs;
      return !r.dropped && at >= d.startMs && at <= end;
    });
    return { ...d, requests: during.length, failedRequests: during.filter((r) => !isGood(r)).length };
  });
}

/** One row per deploy, one band per stage, on the run's elapsed time. */
export function deployTimeline(deploys: readonly DeployRecord[], runStartMs: EpochMs): string {
  const rowH = 26;
  const margin = { left: 230, right: 20, top: 30, bottom: 50 };
  const t0 = Math.min(...deploys.map((d) => d.startMs));
  const t1 = Math.max(...deploys.map((d) => d.endMs ?? d.stages.at(-1)?.startMs ?? d.startMs), t0 + 1_000);
  const f = frame({
    width: 900,
    height: margin.top + margin.bottom + rowH * deploys.length,
    margin,
    t: [t0, t1],
    y: [0, 1],
  });
  const ticks = niceTicks((t0 - runStartMs) / 1000, (t1 - runStartMs) / 1000, 8)
    .map((s) => runStartMs + s * 1000)
    .filter((t) => t >= t0 && t <= t1)
    .map((t) => ({ t, label: formatElapsed(t - runStartMs) }));
  const rows = deploys.map((d, i) => {
    const y = f.top + i * rowH + 4;
    const bands = d.stages.map((s) => {
      const x = f.x(s.startMs);
      const w = Math.max(1.5, f.x(s.endMs ?? t1) - x);
      const color = STAGE_COLORS[s.stage] ?? '#757575';
      return (
        `<rect class="stage" data-stage="${escapeXml(s.stage)}" x="${r1(x)}" y="${y}" width="${r1(w)}" height="${rowH - 8}" fill="${color}">` +
        `<title>${escapeXml(`${s.stage}: ${s.outcome} (${s.reason})`)}</title></rect>` +
        (w > 44
          ? `<text class="stage-label" x="${r1(x + 3)}" y="${y + rowH / 2}" font-size="10" fill="#fff">${escapeXml(s.stage)}</text>`
          : '')
      );
    });
    // The canary's decisions as ticks over its band: where each step advanced or rolled back.
    const looks = d.decisions.map(
      (c) =>
        `<line class="decision" data-decision="${escapeXml(c.decision)}" x1="${r1(f.x(c.atMs))}" x2="${r1(f.x(c.atMs))}" y1="${y - 2}" y2="${y + rowH - 6}" stroke="#212121" stroke-width="2">` +
        `<title>${escapeXml(`canary ${c.percent}%: ${c.decision} (${c.reason})`)}</title></line>`,
    );
    return (
      `<text class="tick" x="${f.left - 6}" y="${y + rowH / 2}" text-anchor="end">${escapeXml(`${d.title}: ${d.status}`)}</text>` +
      bands.join('') +
      looks.join('')
    );
  });
  return [
    svgOpen(f, { id: 'deploy-timeline', title: 'Deploys under load: stages on the time axis', clip: false }),
    legend(
      f,
      [
        ...Object.entries(STAGE_COLORS).map(([name, color]) => ({ name, color })),
        { name: 'decision', color: '#212121' },
      ],
      { kind: 'grid', top: f.top + f.plotH + 42, columns: 8, rowHeight: 14 },
    ),
    timeAxis(f, ticks),
    ...rows,
    svgClose,
  ].join('');
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const seconds = (a: EpochMs, b: EpochMs | null) => (b === null ? NO_DATA : `${((b - a) / 1000).toFixed(1)} s`);
const failed = (d: DeployRecord) =>
  d.failedRequests === null || d.requests === null ? NO_DATA : `${d.failedRequests} of ${d.requests}`;

export function deploysHtml(deploys: readonly DeployRecord[] | undefined, runStartMs: EpochMs): string {
  if (!deploys || deploys.length === 0) return '';
  const rel = (ms: number) => formatElapsed(ms - runStartMs);
  const summary = table(
    ['deploy', 'result', 'from', 'took', 'requests failed meanwhile'],
    deploys.map((d) => [
      `<b>${escapeHtml(d.title)}</b>`,
      `${escapeHtml(d.status)}<br>${escapeHtml(d.reason)}`,
      rel(d.startMs),
      seconds(d.startMs, d.endMs),
      failed(d),
    ]),
  );
  const stages = table(
    ['deploy', 'stage', 'from', 'took', 'outcome', 'why'],
    deploys.flatMap((d) =>
      d.stages.map((s) => [
        escapeHtml(d.title),
        escapeHtml(s.stage),
        rel(s.startMs),
        seconds(s.startMs, s.endMs),
        escapeHtml(s.outcome),
        escapeHtml(s.reason),
      ]),
    ),
  );
  const decisions = deploys.flatMap((d) =>
    d.decisions.map((c) => [
      rel(c.atMs),
      escapeHtml(d.title),
      `${c.percent}%`,
      `<b>${escapeHtml(c.decision)}</b>`,
      escapeHtml(c.reason),
    ]),
  );
  return [
    '<h2 id="deploys">Shipping models</h2>',
    deployTimeline(deploys, runStartMs),
    summary,
    '<h3>Stages</h3>',
    stages,
    '<h3>Canary decisions</h3>',
    decisions.length > 0
      ? table(['at', 'deploy', 'step', 'decision', 'why'], decisions)
      : `<p class="meta">${NO_DATA}</p>`,
  ].join('\n');
}

/** The same for summary.md (no chart: the stage table carries the time axis). */
export function deploysMarkdown(deploys: readonly DeployRecord[] | undefined, runStartMs: EpochMs): string[] {
  if (!deploys || deploys.length === 0) return [];
  const md = (t: string) => t.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const row = (cells: string[]) => `| ${cells.map(md).join(' | ')} |`;
  const rel = (ms: number) => formatElapsed(ms - runStartMs);
  return [
    '## Shipping models',
    '',
    row(['deploy', 'stage', 'from', 'took', 'outcome', 'why']),
    row(['---', '---', '---', '---', '---', '---']),
    ...deploys.flatMap((d) => [
      row([
        d.title,
        `**${d.status}**`,
        rel(d.startMs),
        seconds(d.startMs, d.endMs),
        `requests failed: ${failed(d)}`,
        d.reason,
      ]),
      ...d.stages.map((s) => row(['', s.stage, rel(s.startMs), seconds(s.startMs, s.endMs), s.outcome, s.reason])),
      ...d.decisions.map((c) => row(['', `canary ${c.percent}%`, rel(c.atMs), '', c.decision, c.reason])),
    ]),
    '',
  ];
}
