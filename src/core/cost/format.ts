import type { CostReport } from './attribute.ts';
import type { PackingAdvice } from './recommend.ts';

/** Text and CSV renderings of a cost report (pure). */

/** Costs of a short window are fractions of a cent: four significant digits, not four decimals. */
const money = (v: number) => {
  if (!Number.isFinite(v)) return '-';
  if (v === 0) return '0';
  return Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(4);
};
const GiB = 1024 ** 3;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatCostTable(report: CostReport, advice?: PackingAdvice): string {
  const cur = report.currency;
  const lines = [
    `window ${report.windowSeconds} s on ${report.tritonInstances} Triton replica(s); ${report.nodeType} at ${report.gpuHourlyPrice} ${cur}/GPU-hour; memory from ${report.memorySource === 'measured' ? "Triton's GPU memory gauges, split by the spec's estimates" : "the spec's estimates"}`,
    '',
    table([
      [
        'team',
        'model',
        'predictions',
        'gpu_s',
        `compute_${cur}`,
        'mem_share',
        `memory_${cur}`,
        `charged_${cur}`,
        `per_1000_${cur}`,
      ],
      ...report.models.map((m) => [
        m.team,
        m.model,
        String(m.predictions),
        m.gpuSeconds.toFixed(3),
        money(m.computeCost),
        m.memoryShare.toFixed(4),
        money(m.memoryCost),
        money(m.cost),
        money(m.costPer1000),
      ]),
    ]),
    '',
    'by answer tier (compute cost; cache and default answers use no GPU):',
    table([
      ['model', 'served_by', 'answers', `compute_${cur}`, `per_1000_${cur}`],
      ...report.models.flatMap((m) =>
        m.tiers.map((t) => [m.model, t.servedBy, String(t.answers), money(t.cost), money(t.costPer1000)]),
      ),
    ]),
    '',
    'by team:',
    table([
      ['team', 'models', 'predictions', `charged_${cur}`, `per_1000_${cur}`],
      ...report.teams.map((t) => [
        t.team,
        t.models.join(','),
        String(t.predictions),
        money(t.cost),
        money(t.costPer1000),
      ]),
    ]),
  ];
  for (const u of report.unattributed) {
    lines.push(
      `unattributed: Triton model ${u.tritonModel} used ${u.gpuSeconds.toFixed(3)} GPU-s (${money(u.computeCost)} ${cur}); no Stack model names it`,
    );
  }
  lines.push(`total: ${money(report.total)} ${cur}`);
  if (advice) lines.push('', formatPacking(advice));
  return lines.join('\n');
}

export function formatPacking(advice: PackingAdvice): string {
  const p = advice.packing;
  const lines = [
    `packing: ${p.gpusBefore} GPU(s) one model per GPU -> ${p.gpusAfter} packed; saves ${advice.monthlySaving.toFixed(2)} ${advice.currency}/month`,
    ...p.gpus.map(
      (g, i) =>
        `  gpu ${i + 1}: ${g.models.join(', ')} (load ${(g.load * 100).toFixed(2)}%, memory ${(g.memoryBytes / GiB).toFixed(2)} GiB)`,
    ),
    ...p.dedicated.map((d) => `  ${d.name}: too busy to share, ${d.gpus} GPU(s) of its own`),
  ];
  return lines.join('\n');
}

/** One row per model for chargeback: team, model, window, figures in the report's currency. */
export function formatCostCsv(report: CostReport, from: number, to: number): string {
  const header =
    'team,model,from,to,currency,predictions,gpu_seconds,compute_cost,memory_share,memory_cost,charged_cost,cost_per_1000';
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const iso = (t: number) => new Date(t * 1000).toISOString();
  const rows = report.models.map((m) =>
    [
      esc(m.team),
      esc(m.model),
      iso(from),
      iso(to),
      report.currency,
      m.predictions,
      m.gpuSeconds.toFixed(6),
      m.computeCost.toFixed(6),
      m.memoryShare.toFixed(6),
      m.memoryCost.toFixed(6),
      m.cost.toFixed(6),
      Number.isFinite(m.costPer1000) ? m.costPer1000.toFixed(6) : '',
    ].join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}
