import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import type { IngestOutcome } from '../../core/labels/ingest.ts';
import { type LabelAbOptions, sequentialLabelAb } from '../../core/labels/sequential-ab.ts';
import { ingestLabelFile } from '../../services/labels/ingest-file.ts';
import {
  labelledOutcomes,
  labelQualityReport,
  loadLabelMonitor,
  type QualityReport,
} from '../../services/labels/monitor.ts';
import { startLabelServer } from '../../services/labels/server.ts';
import { parsePort, parsePositiveInt } from '../options.ts';

/** Exit codes of `labels report`: 2 when a variant is degraded in the alert window. */
export const REPORT_EXIT_DEGRADED = 2;

interface CommonOptions {
  spec: string;
  monitor?: string;
}

function monitorOf(options: CommonOptions) {
  const spec = loadSpecFile(options.spec);
  return loadLabelMonitor(spec, dirname(resolve(options.spec)), options.monitor);
}

const fmt = (v: number | null, digits = 3) => (v === null ? '-' : v.toFixed(digits));
const fmtSeconds = (v: number | null) =>
  v === null
    ? '-'
    : v >= 86400
      ? `${(v / 86400).toFixed(1)}d`
      : v >= 3600
        ? `${(v / 3600).toFixed(1)}h`
        : `${Math.round(v)}s`;

export function formatReport(report: QualityReport): string {
  const header = [
    'variant',
    'window',
    'sampled',
    'labelled',
    'pos',
    'coverage',
    'precision',
    'recall',
    'pr_auc',
    'baseline',
    'exp_rate',
    'obs_rate',
    'delay_p50',
    'delay_p90',
    'verdict',
  ];
  const body = report.rows.map((r) => [
    r.variant,
    r.window,
    String(r.predictions),
    String(r.labelled),
    String(r.positives),
    fmt(r.coverage),
    fmt(r.precision),
    fmt(r.recall),
    fmt(r.prAuc),
    fmt(r.baseline, 4),
    fmt(r.expectedPositiveRate, 4),
    fmt(r.observedPositiveRate, 4),
    fmtSeconds(r.delayMedianSeconds),
    fmtSeconds(r.delayP90Seconds),
    r.verdict === null
      ? 'no baseline'
      : r.verdict.outcome === 'no_data'
        ? `no data (${r.verdict.reason})`
        : r.verdict.outcome,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const title = `label quality: ${report.monitor} (model ${report.model}) at ${report.at}`;
  if (body.length === 0) return `${title}\nno sampled predictions of ${report.model} in the log yet\n`;
  return `${title}\n${line(header)}\n${body.map(line).join('\n')}\n`;
}

export function formatIngest(o: IngestOutcome & { lines?: number }): string {
  const lines = [
    `accepted ${o.accepted.length}, duplicates ${o.duplicates}, conflicts ${o.conflicts.length}, unknown ${o.unknown.count}, unsampled ${o.unsampled}, invalid ${o.invalid.length}`,
  ];
  if (o.unknown.count > 0)
    lines.push(
      `unknown request ids (sampled but not in the prediction log): ${o.unknown.ids.join(', ')}${o.unknown.count > o.unknown.ids.length ? ' ...' : ''}`,
    );
  for (const c of o.conflicts.slice(0, 20))
    lines.push(`conflict: ${c.request_id} stored ${c.stored}, sent ${c.sent} (kept ${c.stored})`);
  for (const p of o.invalid.slice(0, 20)) lines.push(`invalid #${p.index}: ${p.field} ${p.message}`);
  return `${lines.join('\n')}\n`;
}

export function registerLabels(program: Command): void {
  const labels = program
    .command('labels')
    .description('Delayed ground-truth labels: ingest, join with the sampled prediction log, report quality');
  labels
    .command('ingest <file>')
    .description('Ingest a label file (CSV request_id,label[,labelled_at] or JSONL), idempotently')
    .option('--format <format>', 'csv or jsonl (default: from the file name)')
    .option('--spec <file>', 'spec file', 'steadystate.yaml')
    .option('--monitor <name>', 'LabelMonitor name (default: the only one)')
    .option('--json', 'print the outcome as JSON')
    .action(async (file: string, options: CommonOptions & { format?: string; json?: boolean }) => {
      const outcome = await ingestLabelFile(monitorOf(options), file, options.format);
      process.stdout.write(options.json ? `${JSON.stringify(outcome, null, 2)}\n` : formatIngest(outcome));
      if (outcome.invalid.length > 0) process.exitCode = 1;
    });
  labels
    .command('report')
    .description('Precision, recall, PR AUC, calibration, coverage and delay per variant and window')
    .option('--spec <file>', 'spec file', 'steadystate.yaml')
    .option('--monitor <name>', 'LabelMonitor name (default: the only one)')
    .option('--json', 'print the report as JSON')
    .action(async (options: CommonOptions & { json?: boolean }) => {
      const ctx = monitorOf(options);
      const report = await labelQualityReport(ctx);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      const degraded = report.rows.some((r) => r.window === ctx.spec.alertWindow && r.verdict?.outcome === 'degraded');
      if (degraded) process.exitCode = REPORT_EXIT_DEGRADED;
    });
  labels
    .command('ab')
    .description('Sequential A/B (mSPRT) on fraud caught per 1,000 labelled transactions, looking as labels arrive')
    .requiredOption('--control <variant>', 'variant A (e.g. v1)')
    .requiredOption('--treatment <variant>', 'variant B (e.g. v2)')
    .option('--alpha <alpha>', 'type I error of the whole, continuously monitored test', Number, 0.05)
    .option(
      '--planned-samples <n>',
      'labelled transactions (both arms) the mixture is tuned for',
      parsePositiveInt,
      5000,
    )
    .option('--look-every <n>', 'labels between two looks', parsePositiveInt, 100)
    .option('--min-samples-per-arm <n>', 'no decision before each arm has this many labels', parsePositiveInt, 200)
    .option('--spec <file>', 'spec file', 'steadystate.yaml')
    .option('--monitor <name>', 'LabelMonitor name (default: the only one)')
    .action(async (options: CommonOptions & LabelAbOptions) => {
      const result = sequentialLabelAb(await labelledOutcomes(monitorOf(options)), options);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
  labels
    .command('serve')
    .description('POST /v1/labels (label batches), GET /metrics (label_quality_* gauges), GET /v1/labels/report')
    .option('--spec <file>', 'spec file', 'steadystate.yaml')
    .option('--monitor <name>', 'LabelMonitor name (default: the only one)')
    .option('--port <port>', 'port (default: the LabelMonitor spec.port)', parsePort)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .action(async (options: CommonOptions & { port?: number; host: string }) => {
      const ctx = monitorOf(options);
      const server = await startLabelServer(ctx, { port: options.port ?? ctx.spec.port, host: options.host });
      console.error(
        `labels: ${server.url} (POST /v1/labels, GET /metrics, GET /v1/labels/report); store ${ctx.spec.store}`,
      );
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
