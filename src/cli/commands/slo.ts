import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'yaml';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { paths } from '../../adapters/process/paths.ts';
import { PrometheusClient, PrometheusQueryError } from '../../adapters/prometheus/client.ts';
import { reportSlo } from '../../adapters/prometheus/slo-readings.ts';
import { speedSummary } from '../../core/deploy/speed-slo.ts';
import { budgetAsOutage, detectionTime, resetTime, tierThreshold } from '../../core/slo/arithmetic.ts';
import { evaluateGate } from '../../core/slo/gate.ts';
import { guarded } from '../../core/slo/low-traffic.ts';
import { exportOpenSlo, importOpenSlo } from '../../core/slo/openslo.ts';
import type { ReportSource } from '../../core/slo/queries.ts';
import { type ReportRow, reportWindows } from '../../core/slo/report.ts';
import { errorBudgetPoliciesOf, type ResolvedSlo, severityFor, slosOf } from '../../core/slo/resolve.ts';
import { BURN_TIERS, burnFactor, formatDuration, humanDuration } from '../../core/slo/windows.ts';
import { documentsOfKind, type Spec } from '../../core/spec/parse.ts';
import { JournalStore } from '../../services/deploy/journal-store.ts';
import { collect, parseTime } from '../options.ts';

const DEFAULT_PROMETHEUS = process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090';

/** Exit codes of `slo gate`: 0 deploys may go, 1 the policy blocks them, 2 the gate could not ask Prometheus. */
export const GATE_EXIT = { allow: 0, block: 1, unavailable: 2 } as const;

function selectSlos(all: ResolvedSlo[], names: string[] | undefined): ResolvedSlo[] {
  if (!names || names.length === 0) return all;
  for (const n of names) {
    if (!all.some((s) => s.name === n)) {
      throw new InvalidArgumentError(`no SLO named "${n}"; the spec has ${all.map((s) => s.name).join(', ')}`);
    }
  }
  return all.filter((s) => names.includes(s.name));
}

const sourceOption = () =>
  new Option('--source <source>', 'rules: the recorded series; raw: straight from the counters (exact period window)')
    .choices(['rules', 'raw'])
    .default('rules');

export function registerSlo(program: Command): void {
  const slo = program
    .command('slo')
    .description('SLOs and error budgets: validate, report, gate deploys, OpenSLO import/export');

  slo
    .command('validate')
    .description('validate the spec and print each SLO with its budget and burn-tier arithmetic')
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--json', 'print JSON')
    .action((opts) => {
      const slos = slosOf(loadSpecFile(opts.spec));
      const summary = slos.map((s) => ({
        slo: s.name,
        model: s.model,
        sli: s.sli.describe,
        objective: s.objective,
        period: s.period,
        budget: s.budget,
        budgetAsOutageSeconds: budgetAsOutage(s.objective, s.periodSec),
        tiers: BURN_TIERS.map((t) => ({
          tier: t.name,
          alert: t.alert,
          severity: severityFor(s, t.severity),
          windows: `${formatDuration(t.long)}/${formatDuration(t.short)}`,
          factor: burnFactor(t, s.periodSec),
          errorRatioAbove: tierThreshold(t, s.objective, s.periodSec),
          outageDetectedAfterSeconds: detectionTime(t, s.objective, s.periodSec),
          clearsAfterSeconds: resetTime(t, s.objective, s.periodSec),
          lowTrafficGuard: guarded(s, t) ? s.alerting.minEventRate : null,
        })),
      }));
      if (opts.json) {
        console.log(JSON.stringify({ valid: true, slos: summary }, null, 2));
        return;
      }
      console.log(`${opts.spec}: valid, ${slos.length} SLO${slos.length === 1 ? '' : 's'}`);
      for (const s of summary) {
        console.log(
          `\n${s.slo} (model ${s.model}): ${(s.objective * 100).toPrecision(6).replace(/\.?0+$/, '')}% over ${s.period}, budget ${humanDuration(s.budgetAsOutageSeconds)} of total outage`,
        );
        console.log(`  SLI: ${s.sli}`);
        for (const t of s.tiers) {
          console.log(
            `  ${t.alert.padEnd(19)} ${t.severity.padEnd(6)} ${t.windows.padEnd(7)} x${String(t.factor).padEnd(6)} above ${(t.errorRatioAbove * 100).toPrecision(4)}%  outage detected in ${humanDuration(t.outageDetectedAfterSeconds)}, clears ${humanDuration(t.clearsAfterSeconds)} after${t.lowTrafficGuard !== null ? `, needs >= ${t.lowTrafficGuard} events/s` : ''}`,
          );
        }
      }
    });

  slo
    .command('report')
    .description('per SLO: budget remaining, burn rate per window, time to exhaustion (from the Prometheus HTTP API)')
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--prometheus <url>', 'Prometheus base URL (env PROMETHEUS_URL)', DEFAULT_PROMETHEUS)
    .option('--slo <name>', 'only this SLO (repeatable)', collect)
    .addOption(sourceOption())
    .option('--time <time>', 'evaluate at this time (Unix seconds or RFC 3339) instead of now', parseTime)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const slos = selectSlos(slosOf(loadSpecFile(opts.spec)), opts.slo);
      const client = new PrometheusClient({ url: opts.prometheus });
      const rows: ReportRow[] = [];
      for (const s of slos) rows.push(...(await reportSlo(client, s, opts.source as ReportSource, opts.time)));
      const deploySpeed = deploySpeedLines(loadSpecFile(opts.spec));
      if (opts.json) {
        console.log(JSON.stringify({ prometheus: client.url, source: opts.source, rows, deploySpeed }, null, 2));
        return;
      }
      printTable(slos, rows);
      for (const d of deploySpeed) console.log(d.line);
    });

  slo
    .command('gate')
    .description(
      `exit ${GATE_EXIT.block} when an ErrorBudgetPolicy of the spec says deploys must stop, ${GATE_EXIT.unavailable} when Prometheus cannot be asked, ${GATE_EXIT.allow} otherwise`,
    )
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--prometheus <url>', 'Prometheus base URL (env PROMETHEUS_URL)', DEFAULT_PROMETHEUS)
    .option('--policy <name>', 'only this ErrorBudgetPolicy (repeatable)', collect)
    .addOption(sourceOption())
    .option('--time <time>', 'evaluate at this time (Unix seconds or RFC 3339)', parseTime)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const spec = loadSpecFile(opts.spec);
      const all = slosOf(spec);
      const policies = errorBudgetPoliciesOf(spec).filter((p) => !opts.policy || opts.policy.includes(p.name));
      if (policies.length === 0) {
        throw new InvalidArgumentError(
          `${opts.spec} has no ErrorBudgetPolicy${opts.policy ? ` named ${opts.policy.join(', ')}` : ''}; add one (kind: ErrorBudgetPolicy, spec.minBudgetRemaining: 0.1)`,
        );
      }
      const covered = all.filter((s) => policies.some((p) => !p.spec.slos || p.spec.slos.includes(s.name)));
      const client = new PrometheusClient({ url: opts.prometheus });
      const rows: ReportRow[] = [];
      try {
        for (const s of covered) rows.push(...(await reportSlo(client, s, opts.source as ReportSource, opts.time)));
      } catch (error) {
        if (error instanceof PrometheusQueryError) {
          console.error(`steadystate slo gate: cannot decide: ${error.message}`);
          process.exitCode = GATE_EXIT.unavailable;
          return;
        }
        throw error;
      }
      const result = evaluateGate(policies, rows);
      if (opts.json) console.log(JSON.stringify(result, null, 2));
      else {
        for (const v of result.verdicts) {
          const group = Object.entries(v.group).map(([k, val]) => `${k}=${val}`);
          console.log(
            `${v.decision.toUpperCase().padEnd(5)} ${v.slo}${group.length ? ` {${group.join(',')}}` : ''}: ${v.why}`,
          );
        }
        console.log(result.decision === 'block' ? 'deploys blocked by the error budget policy' : 'deploys allowed');
      }
      process.exitCode = result.decision === 'block' ? GATE_EXIT.block : GATE_EXIT.allow;
    });

  slo
    .command('export')
    .description('write the SLOs as OpenSLO v1 documents')
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--slo <name>', 'only this SLO (repeatable)', collect)
    .option('--out <file>', 'write here instead of stdout')
    .action((opts) => {
      const slos = selectSlos(slosOf(loadSpecFile(opts.spec)), opts.slo);
      const text = slos.map((s) => stringify(exportOpenSlo(s), { lineWidth: 0 })).join('---\n');
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });

  slo
    .command('import')
    .description('convert OpenSLO v1 SLO documents into steadystate SLO documents (to append to the spec)')
    .argument('<file>', 'OpenSLO YAML (SLO and SLI documents)')
    .option('--out <file>', 'write here instead of stdout')
    .action((file: string, opts) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new InvalidArgumentError(`cannot read ${file}: ${(error as Error).message}`);
      }
      const docs = importOpenSlo(text, file);
      const out = docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
      if (opts.out) writeFileSync(opts.out, out);
      else process.stdout.write(out);
    });
}

function printTable(slos: ResolvedSlo[], rows: ReportRow[]): void {
  const windows = [...new Set(slos.flatMap(reportWindows))];
  const fmtPct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);
  const fmtBurn = (v: number | null) => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const header = [
    'SLO',
    'group',
    'objective',
    'budget left',
    ...windows.map((w) => `burn ${w}`),
    'exhausted in',
    'status',
  ];
  const lines = rows.map((r) => [
    r.slo,
    [`model=${r.model}`, ...Object.entries(r.group).map(([k, v]) => `${k}=${v}`)].join(','),
    `${Number((r.objective * 100).toPrecision(6))}%/${r.period}`,
    fmtPct(r.budgetRemaining),
    ...windows.map((w) => fmtBurn(r.burnRate[w] ?? null)),
    r.status === 'no-data'
      ? '-'
      : r.timeToExhaustionSeconds === null
        ? 'never'
        : humanDuration(r.timeToExhaustionSeconds),
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(row(header));
  for (const l of lines) console.log(row(l));
  for (const r of rows) console.log(`- ${r.slo}: ${r.why}`);
}

/** The deploy-speed SLO of each Deployment, from the deploy journals (.steadystate/deploys). */
function deploySpeedLines(spec: Spec) {
  const journals = new JournalStore(paths.state('deploys')).all();
  return documentsOfKind(spec, 'Deployment').map((d) => ({
    deployment: d.metadata.name,
    ...speedSummary(journals, d.spec.slo, d.spec.registry.name),
  }));
}
