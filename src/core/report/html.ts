import { deploysHtml } from './deploys.ts';
import {
  escapeHtml,
  formatAgainstTarget,
  formatElapsed,
  formatMs,
  formatPercent,
  formatTimestamp,
  NO_DATA,
} from './format.ts';
import { isPage, splitNotifications } from './notifications.ts';
import { type GameDayOutcome, gameDayOutcome, missingPages } from './outcome.ts';
import { barChart, shareChart, timeChart } from './svg.ts';
import type { GameDayResult, PageRecord } from './types.ts';

/** Bottom to top in the stacked chart: the healthy path first, failure tiers on top. */
export const TIER_COLORS: readonly { name: string; color: string }[] = [
  { name: 'primary', color: '#2e7d32' },
  { name: 'cache', color: '#1976d2' },
  { name: 'stale_cache', color: '#64b5f6' },
  { name: 'fallback_model', color: '#f9a825' },
  { name: 'default', color: '#8d6e63' },
  { name: 'shed', color: '#ef6c00' },
  { name: 'error', color: '#c62828' },
  { name: 'no_answer', color: '#424242' },
];

const DRIFT_COLORS = ['#6a1b9a', '#00838f', '#ad1457', '#558b2f', '#4527a0', '#ef6c00', '#37474f', '#283593'];

const STYLE = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px auto;max-width:960px;color:#212121;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e0e0e0;padding-bottom:4px}
.meta{color:#616161;font-size:13px}.badge{display:inline-block;padding:3px 10px;border-radius:4px;color:#fff;font-weight:bold;font-size:14px}
.badge.passed{background:#2e7d32}.badge.failed{background:#c62828}.badge.no_data{background:#757575}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eee;padding:5px 6px;text-align:left;vertical-align:top}
th{background:#fafafa}.verdict-held{color:#2e7d32;font-weight:bold}.verdict-deviated,.verdict-failed,.verdict-aborted,.verdict-interrupted,.verdict-not_run{color:#c62828;font-weight:bold}
.missing{color:#c62828;font-weight:bold}.figures{display:flex;gap:24px;flex-wrap:wrap;font-size:13px}.figures div b{display:block;font-size:18px}
ul.failures{color:#c62828}ul.notes{color:#6d4c41}
svg.chart{display:block;margin:8px 0;max-width:100%;height:auto}
svg .grid{stroke:#eeeeee;stroke-width:1}svg .tick,svg .legend,svg .bar-text,svg .bar-label{font-size:11px;fill:#616161}
svg .axis-label{font-size:11px;fill:#616161}svg .chart-title{font-size:13px;font-weight:bold;fill:#212121}
svg .fault-band{fill:#c62828;fill-opacity:.12;stroke:#c62828;stroke-opacity:.35}svg .fault-label{font-size:10px;fill:#b71c1c}
svg .ref-label{font-size:10px}svg .marker line{stroke:#6a1b9a;stroke-width:1;stroke-dasharray:2 2}
svg .no-data{font-size:14px;fill:#9e9e9e}svg .bar-track{fill:#f5f5f5}
svg .bar[data-level=ok]{fill:#2e7d32}svg .bar[data-level=high]{fill:#f9a825}svg .bar[data-level=over]{fill:#c62828}
`;

/**
 * report.html: one self-contained file (inline CSS and SVG, no script, no external resource;
 * the CSP forbids any fetch), with the result embedded as JSON for re-processing.
 */
export function renderReportHtml(result: GameDayResult): string {
  const outcome = gameDayOutcome(result);
  const { startedAtMs: start, endedAtMs: end } = result;
  const rel = (ms: number) => formatElapsed(ms - start);
  const sections = [
    header(result, outcome),
    figures(result),
    `<h2>Latency and errors</h2>`,
    timeChart({
      id: 'latency',
      title: `p${trimQuantile(result.slo.latencyQuantile)} latency (SLO < ${result.slo.latencyThresholdMs} ms); shaded: fault windows`,
      startMs: start,
      endMs: end,
      yLabel: 'ms',
      yFormat: (v) => `${Number(v.toPrecision(3))}`,
      series: [
        { name: `p${trimQuantile(result.slo.latencyQuantile)}`, color: '#1565c0', points: result.series.latencyMs },
      ],
      faultWindows: result.faultWindows,
      referenceLines: [
        { value: result.slo.latencyThresholdMs, label: `SLO ${result.slo.latencyThresholdMs} ms`, color: '#c62828' },
      ],
      markers: result.pages
        .filter((p) => p.status === 'firing')
        .map((p) => ({ atMs: p.atMs, label: `${isPage(p) ? 'page' : 'ticket'}: ${p.alertname}` })),
    }),
    timeChart({
      id: 'error-ratio',
      title: 'Error ratio (not served by primary, cache, stale cache or fallback model)',
      startMs: start,
      endMs: end,
      yLabel: 'error ratio',
      yFormat: formatPercent,
      series: [{ name: 'error ratio', color: '#c62828', points: result.series.errorRatio }],
      faultWindows: result.faultWindows,
      referenceLines: [
        {
          value: 1 - result.slo.availabilityObjective,
          label: `budget ${formatPercent(1 - result.slo.availabilityObjective)}`,
          color: '#6d4c41',
        },
      ],
    }),
    `<h2>Who answered</h2>`,
    shareChart({
      id: 'tier-share',
      title: 'Share per serving tier (served_by)',
      startMs: start,
      endMs: end,
      points: result.series.tierShare,
      tiers: TIER_COLORS,
      faultWindows: result.faultWindows,
    }),
    experimentsTable(result),
    pagesTable(result, rel),
    `<h2>Error budget</h2>`,
    barChart({
      id: 'error-budget',
      title: 'Error budget consumed by this run (share of the SLO period budget)',
      bars: result.errorBudget.map((b) => ({
        label: b.slo,
        ratio: b.consumedRatio,
        text: `${formatPercent(b.consumedRatio)} used${b.remainingRatio === null ? '' : `, ${formatPercent(b.remainingRatio)} left`}`,
      })),
    }),
    abSection(result, rel),
    deploysHtml(result.deploys, start),
    driftSection(result),
    `<h2>Fault windows</h2>`,
    table(
      ['experiment', 'fault', 'from', 'to'],
      result.faultWindows.map((w) => [
        escapeHtml(w.experiment),
        escapeHtml(w.label),
        rel(w.startMs),
        w.endMs === null ? '<span class="missing">not rolled back</span>' : rel(w.endMs),
      ]),
    ),
    `<script type="application/json" id="gameday-result">${jsonForHtml(result)}</script>`,
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(result.title)}: ${outcome.status.replace('_', ' ').toUpperCase()}</title>`,
    `<style>${STYLE}</style></head><body>`,
    ...sections,
    `<p class="meta">Generated by steadystate from the game-day result; times on the charts are minutes:seconds since ${escapeHtml(formatTimestamp(start))}.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

function trimQuantile(q: number): string {
  return String(Number((q * 100).toPrecision(4)));
}

function header(result: GameDayResult, outcome: GameDayOutcome): string {
  const label = outcome.status === 'no_data' ? 'NO DATA' : outcome.status.toUpperCase();
  return [
    `<h1>${escapeHtml(result.title)} <span class="badge ${outcome.status}" id="outcome">${label}</span></h1>`,
    `<p class="meta">${result.mode} run, ${escapeHtml(formatTimestamp(result.startedAtMs))} to ${escapeHtml(formatTimestamp(result.endedAtMs))} (${formatElapsed(result.endedAtMs - result.startedAtMs)})</p>`,
    outcome.failures.length > 0
      ? `<ul class="failures">${outcome.failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`
      : '',
    outcome.notes.length > 0
      ? `<ul class="notes">${outcome.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
      : '',
  ].join('\n');
}

function figures(result: GameDayResult): string {
  const l = result.load;
  const cells = [
    [
      'arrival rate',
      Number.isFinite(l.achievedRatePerSecond)
        ? `${fixed(l.achievedRatePerSecond)}/s of ${fixed(l.ratePerSecond)}/s`
        : `${NO_DATA} (planned ${fixed(l.ratePerSecond)}/s)`,
    ],
    ['requests', `${l.sent}${l.dropped > 0 ? ` (+${l.dropped} dropped)` : ''}`],
    [`p${trimQuantile(result.slo.latencyQuantile)} latency`, formatMs(l.p99Ms)],
    ['error ratio', formatPercent(l.errorRatio)],
    [
      'experiments',
      `${result.experiments.filter((e) => e.verdict === 'held').length}/${result.experiments.length} held`,
    ],
    ['pages', `${result.pages.filter((p) => p.status === 'firing' && isPage(p)).length} received`],
    ['tickets', `${result.pages.filter((p) => p.status === 'firing' && !isPage(p)).length} opened`],
  ];
  return `<div class="figures">${cells.map(([k, v]) => `<div>${escapeHtml(k as string)}<b>${escapeHtml(v as string)}</b></div>`).join('')}</div>`;
}

function fixed(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toFixed(1))) : NO_DATA;
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return `<p class="meta">${NO_DATA}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function experimentsTable(result: GameDayResult): string {
  const rows = result.experiments.map((e) => {
    const missing = missingPages(e);
    return [
      `<b>${escapeHtml(e.name)}</b><br>${escapeHtml(e.title)}`,
      `<span class="verdict-${e.verdict}" data-verdict="${e.verdict}">${e.verdict.replace('_', ' ')}</span>${
        e.explanation.length > 0 ? `<br>${e.explanation.map(escapeHtml).join('<br>')}` : ''
      }`,
      escapeHtml(formatAgainstTarget(e.detectionSeconds, e.detectionTargetSeconds)),
      escapeHtml(formatAgainstTarget(e.recoverySeconds, e.recoveryTargetSeconds)),
      `${e.pagesReceived.length}/${e.pagesExpected.length}${
        missing.length > 0 ? `<br><span class="missing">missing: ${missing.map(escapeHtml).join(', ')}</span>` : ''
      }`,
      escapeHtml(e.hypothesis),
    ];
  });
  return `<h2>Experiments</h2>${table(['experiment', 'verdict', 'detection', 'recovery', 'pages (received/expected)', 'hypothesis'], rows)}`;
}

function pagesTable(result: GameDayResult, rel: (ms: number) => string): string {
  const rows = (records: readonly PageRecord[]) =>
    records.map((p) => [
      rel(p.atMs),
      escapeHtml(p.alertname),
      escapeHtml(p.severity),
      escapeHtml(p.status),
      escapeHtml(
        Object.entries(p.labels)
          .filter(([k]) => k !== 'alertname' && k !== 'severity')
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      ),
    ]);
  const { pages, tickets } = splitNotifications(result.pages);
  const head = ['at', 'alert', 'severity', 'status', 'labels'];
  return (
    `<h2>Pages received</h2>${table(head, rows(pages))}` +
    `<h2>Tickets opened</h2><p class="meta">Notifications that do not page (severity other than page): work for office hours.</p>${table(head, rows(tickets))}`
  );
}

function abSection(result: GameDayResult, rel: (ms: number) => string): string {
  const rows = [...result.abDecisions]
    .sort((a, b) => a.atMs - b.atMs)
    .map((d) => [
      rel(d.atMs),
      escapeHtml(d.experiment),
      `<b>${escapeHtml(d.decision)}</b>`,
      escapeHtml(d.reason),
      d.weights
        ? escapeHtml(
            Object.entries(d.weights)
              .map(([k, v]) => `${k} ${v}%`)
              .join(', '),
          )
        : '',
    ]);
  return `<h2>A/B decisions</h2>${table(['at', 'experiment', 'decision', 'why', 'weights after'], rows)}`;
}

function driftSection(result: GameDayResult): string {
  const chart = timeChart({
    id: 'drift',
    title: 'Drift score relative to its threshold (1 = drift reported)',
    startMs: result.startedAtMs,
    endMs: result.endedAtMs,
    yLabel: 'score / threshold',
    yFormat: (v) => `${Number(v.toPrecision(2))}`,
    series: result.drift.map((d, i) => ({
      name: `${d.feature} (${d.statistic})`,
      color: DRIFT_COLORS[i % DRIFT_COLORS.length] as string,
      points: d.points.map((p) => ({ atMs: p.atMs, value: d.threshold > 0 ? p.value / d.threshold : Number.NaN })),
    })),
    faultWindows: result.faultWindows,
    referenceLines: [{ value: 1, label: 'threshold', color: '#c62828' }],
    yMinTop: 1.2,
  });
  const rows = result.drift.map((d) => {
    const last = [...d.points].reverse().find((p) => Number.isFinite(p.value));
    const peak = d.points.reduce(
      (m, p) => (Number.isFinite(p.value) ? Math.max(m, p.value) : m),
      Number.NEGATIVE_INFINITY,
    );
    return [
      escapeHtml(d.feature),
      escapeHtml(d.statistic),
      String(d.threshold),
      Number.isFinite(peak) ? String(Number(peak.toPrecision(3))) : NO_DATA,
      last ? String(Number(last.value.toPrecision(3))) : NO_DATA,
      !Number.isFinite(peak) ? NO_DATA : peak >= d.threshold ? '<span class="missing">drift</span>' : 'no drift',
    ];
  });
  return `<h2>Drift</h2>${chart}${table(['feature', 'statistic', 'threshold', 'peak', 'last', 'verdict'], rows)}`;
}

/** JSON inside <script>: "<", ">" and "&" as \u escapes, so no text in it can end the element. */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026');
}
