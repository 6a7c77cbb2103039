import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonlLabelStore } from '../../adapters/labels/jsonl-label-store.ts';
import type { ExperimentOutcome, FaultWindow } from '../../core/report/types.ts';
import { labelMonitorSpec } from '../../core/spec/kinds/label-monitor.ts';
import { parseSpec } from '../../core/spec/parse.ts';
import { type LabelMonitorContext, loadLabelMonitor, type QualityReport } from '../labels/monitor.ts';
import { MAX_BATCH, startLabelServer } from '../labels/server.ts';
import type { DueLabel, TruthLedger } from './truth-ledger.ts';

/** Share of transactions that become fraud the model never saw while the phase runs. */
export const NOVEL_FRAUD_RATE = 0.03;

export interface LateLabelsSettings {
  /** How late a label arrives after its request (days in production, seconds here). */
  delaySeconds: number;
  /** The short trailing window (by prediction time) the verdict that catches it is taken on. */
  windowSeconds: number;
  /** Longest wait for the catch. */
  timeoutSeconds: number;
  /** The promise: caught within this long of the model going wrong. */
  targetSeconds: number;
}

export const LATE_LABELS: { quick: LateLabelsSettings; full: LateLabelsSettings } = {
  quick: { delaySeconds: 3, windowSeconds: 20, timeoutSeconds: 25, targetSeconds: 20 },
  full: { delaySeconds: 5, windowSeconds: 30, timeoutSeconds: 60, targetSeconds: 30 },
};

/**
 * Is the model still right? The load generator knows the truth of every transaction it sent
 * (TruthLedger); this phase runs the real label service (`labels serve`: POST /v1/labels,
 * GET /v1/labels/report) on the gateway's prediction log, delivers labels late, and judges
 * with the LabelMonitor's own test (PR AUC below baseline - tolerance, with enough labels
 * and positives):
 * 1. the labels of everything served so far go to one store and its report is recorded. It
 *    is context, not the test: the run so far held the chaos suite (defaulted features, the
 *    fallback tiers) and the drift phase, which make the answers worse on purpose, and a
 *    game day's worth of traffic holds a few dozen positives;
 * 2. then the world changes under the model (novel fraud its scores know nothing about: the
 *    inputs do not move, so no drift detector sees it), and the labels of what is served from
 *    then on, arriving `delaySeconds` late into a fresh store, must say "degraded" on the
 *    short window within `targetSeconds`; "degraded" before the first of them could arrive
 *    would be about the last healthy seconds, and counts as a false alarm.
 */
export async function lateLabelsPhase(opts: {
  specFile: string;
  root: string;
  runDir: string;
  ledger: TruthLedger;
  /** When the game day started: the run-so-far window covers it all. */
  startedAtMs: number;
  settings: LateLabelsSettings;
  log: (line: string) => void;
}): Promise<{ outcome: ExperimentOutcome; window: FaultWindow; report: QualityReport | undefined }> {
  const s = opts.settings;
  const short = `${s.windowSeconds}s`;
  const run = `${Math.ceil((Date.now() - opts.startedAtMs) / 1000) + 600}s`;
  const base = loadLabelMonitor(parseSpec(readFileSync(opts.specFile, 'utf8'), opts.specFile), opts.root);
  const labelService = (store: string) => {
    const ctx: LabelMonitorContext = {
      ...base,
      spec: labelMonitorSpec.parse({ ...base.spec, windows: [short, run], alertWindow: short, store }),
      store: new JsonlLabelStore(store),
    };
    return startLabelServer(ctx, { port: 0, refreshMs: 2_000 });
  };
  const explanation: string[] = [];
  let startMs = Date.now();
  let caughtMs: number | undefined;
  let tooEarly = false;
  let report: QualityReport | undefined;
  try {
    const sofar = await labelService(join(opts.runDir, 'labels-run'));
    try {
      const delivered = await deliver(sofar.url, opts.ledger.due(Date.now() - s.delaySeconds * 1000));
      const rows = (await fetchReport(sofar.url)).rows.filter((r) => r.window === run);
      explanation.push(
        `the run so far (chaos suite and drift included): ${delivered.accepted} labels delivered ${s.delaySeconds} s late (${delivered.unknown} for requests never logged); ${rows.map(describe).join('; ')}`,
      );
      opts.log(`late labels: ${explanation[0]}`);
    } finally {
      await sofar.close();
    }

    const server = await labelService(join(opts.runDir, 'labels'));
    try {
      startMs = Date.now();
      opts.ledger.setNovelFraud(NOVEL_FRAUD_RATE);
      opts.log(
        `late labels: ${NOVEL_FRAUD_RATE * 100}% of transactions now novel fraud; labels arrive ${s.delaySeconds} s late`,
      );
      while (Date.now() - startMs < s.timeoutSeconds * 1000) {
        await sleep(1_000);
        await deliver(server.url, opts.ledger.due(Date.now() - s.delaySeconds * 1000));
        report = await fetchReport(server.url);
        const degraded = report.rows.filter((r) => r.window === short && r.verdict?.outcome === 'degraded');
        if (degraded.length > 0) {
          caughtMs = Date.now();
          tooEarly = caughtMs - startMs < s.delaySeconds * 1000;
          explanation.push(
            `${tooEarly ? 'false alarm: judged degraded before any changed label could arrive' : 'caught'} on the ${short} window: ${degraded.map(describe).join('; ')}`,
          );
          break;
        }
      }
      if (caughtMs === undefined && report) {
        explanation.push(
          `not caught within ${s.timeoutSeconds} s: ${report.rows
            .filter((r) => r.window === short)
            .map(describe)
            .join('; ')}`,
        );
      }
    } finally {
      opts.ledger.setNovelFraud(undefined);
      await server.close();
    }
  } catch (error) {
    explanation.push(`the label service failed: ${(error as Error).message}`);
  }
  const endMs = Date.now();
  const detection = caughtMs === undefined ? null : (caughtMs - startMs) / 1000;
  const held = !tooEarly && detection !== null && detection <= s.targetSeconds;
  return {
    report,
    window: { experiment: 'late-labels', label: 'novel fraud: the model is wrong', startMs, endMs },
    outcome: {
      name: 'late-labels',
      title: 'Late ground truth: a model gone wrong, caught from delayed labels',
      hypothesis: `labels arriving ${s.delaySeconds} s late say "degraded" (PR AUC below baseline - tolerance on ${short}) within ${s.targetSeconds} s of the model going wrong, not before its first label arrives`,
      verdict: held ? 'held' : 'deviated',
      explanation,
      detectionSeconds: detection,
      detectionTargetSeconds: s.targetSeconds,
      recoverySeconds: null,
      recoveryTargetSeconds: null,
      pagesExpected: [],
      pagesReceived: [],
    },
  };
}

async function deliver(url: string, labels: DueLabel[]): Promise<{ accepted: number; unknown: number }> {
  let accepted = 0;
  let unknown = 0;
  for (let i = 0; i < labels.length; i += MAX_BATCH) {
    const res = await fetch(`${url}/v1/labels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ labels: labels.slice(i, i + MAX_BATCH) }),
    });
    if (!res.ok) throw new Error(`POST /v1/labels answered ${res.status}: ${await res.text()}`);
    const outcome = (await res.json()) as { accepted: unknown[]; unknown: { count: number } };
    accepted += outcome.accepted.length;
    unknown += outcome.unknown.count;
  }
  return { accepted, unknown };
}

async function fetchReport(url: string): Promise<QualityReport> {
  const res = await fetch(`${url}/v1/labels/report`);
  if (!res.ok) throw new Error(`GET /v1/labels/report answered ${res.status}`);
  return (await res.json()) as QualityReport;
}

function describe(row: QualityReport['rows'][number]): string {
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  const verdict = row.verdict
    ? row.verdict.outcome === 'no_data'
      ? `no data (${row.verdict.reason})`
      : `${row.verdict.outcome} (floor ${f(row.verdict.floor)})`
    : 'no baseline';
  return `${row.variant}: ${row.labelled} labels, ${row.positives} positive, PR AUC ${f(row.prAuc)}, precision ${f(row.precision)}, delay p50 ${f(row.delayMedianSeconds)} s: ${verdict}`;
}
