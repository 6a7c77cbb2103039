import { resolve } from 'node:path';
import { JsonlLabelStore } from '../../adapters/labels/jsonl-label-store.ts';
import { PredictionLogTail } from '../../adapters/labels/prediction-log-reader.ts';
import { type IngestOutcome, planIngest } from '../../core/labels/ingest.ts';
import { type LoggedPrediction, MODEL_SERVED_BY, type QualityRow, qualityByWindow } from '../../core/labels/join.ts';
import { inPredictionSample } from '../../core/labels/sampling.ts';
import type { LabelledOutcome } from '../../core/labels/sequential-ab.ts';
import type { LabelStore } from '../../core/labels/store.ts';
import { type QualityVerdict, qualityVerdict } from '../../core/labels/verdict.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { LabelMonitorDocument, LabelMonitorSpec } from '../../core/spec/kinds/label-monitor.ts';
import type { Spec } from '../../core/spec/parse.ts';
import { documentsOfKind, stackOf } from '../../core/spec/parse.ts';

/** Where the gateway's sampled prediction log is, and at what rate it samples. */
export interface PredictionLogSource {
  path: string;
  sampleRate: number;
  keepFiles: number;
}

export interface LabelMonitorContext {
  name: string;
  spec: LabelMonitorSpec;
  log: PredictionLogSource;
  store: LabelStore;
  now: () => Date;
  /** Reads the sampled predictions (the file reader by default; tests may pass rows). */
  predictions?: () => Promise<LoggedPrediction[]>;
  /** The log follower, made on first use: each refresh reads only what was appended since. */
  tail?: PredictionLogTail;
}

export interface QualityReport {
  monitor: string;
  model: string;
  at: string;
  rows: (QualityRow & { baseline: number | null; verdict: QualityVerdict | null })[];
}

/** The LabelMonitor (by name, or the only one) of a spec, with its store and the Stack's log. */
export function loadLabelMonitor(spec: Spec, root: string, name?: string): LabelMonitorContext {
  const monitors = documentsOfKind(spec, 'LabelMonitor') as LabelMonitorDocument[];
  const doc = name ? monitors.find((m) => m.metadata.name === name) : monitors[0];
  if (!doc || (!name && monitors.length > 1)) {
    throw new Error(
      `${name ? `no LabelMonitor named "${name}"` : `expected one LabelMonitor, found ${monitors.length}`} in ${spec.file}; known: ${monitors.map((m) => m.metadata.name).join(', ') || 'none'} (pass --monitor NAME)`,
    );
  }
  // Without a predictionLog block the gateway logs nothing; its defaults say where it would.
  const log = stackOf(spec).spec.predictionLog ?? {
    path: '.steadystate/predictions.jsonl',
    sampleRate: 0.01,
    keepFiles: 3,
  };
  return {
    name: doc.metadata.name,
    spec: doc.spec,
    log: { path: resolve(root, log.path), sampleRate: log.sampleRate, keepFiles: log.keepFiles },
    store: new JsonlLabelStore(resolve(root, doc.spec.store)),
    now: () => new Date(),
  };
}

async function predictionsOf(ctx: LabelMonitorContext): Promise<LoggedPrediction[]> {
  if (ctx.predictions) return (await ctx.predictions()).filter((p) => p.model === ctx.spec.model);
  ctx.tail ??= new PredictionLogTail(ctx.log.path, ctx.log.keepFiles);
  return ctx.tail.refresh().filter((p) => p.model === ctx.spec.model);
}

/** Ingests one batch of labels (a file's rows or a POST body), idempotently. */
export async function ingestLabels(ctx: LabelMonitorContext, batch: readonly unknown[]): Promise<IngestOutcome> {
  const [stored, predictions] = await Promise.all([ctx.store.load(), predictionsOf(ctx)]);
  const logged = new Set(predictions.map((p) => p.request_id));
  const outcome = planIngest(batch, {
    stored,
    now: ctx.now().toISOString(),
    status: (id) => (logged.has(id) ? 'logged' : inPredictionSample(id, ctx.log.sampleRate) ? 'unknown' : 'unsampled'),
  });
  await ctx.store.append(outcome.accepted);
  return outcome;
}

/** Quality per variant and window, each judged against its baseline (null without one). */
export async function labelQualityReport(ctx: LabelMonitorContext): Promise<QualityReport> {
  const [stored, predictions] = await Promise.all([ctx.store.load(), predictionsOf(ctx)]);
  const now = ctx.now();
  const windows = ctx.spec.windows.map((w) => ({ name: w, seconds: parseDuration(w) }));
  const rows = qualityByWindow(predictions, stored, windows, now.getTime()).map((row) => {
    const baseline = ctx.spec.baselines[row.variant]?.baseline.prAuc ?? null;
    const verdict =
      baseline === null
        ? null
        : qualityVerdict(row, {
            baseline,
            tolerance: ctx.spec.tolerance,
            minLabels: ctx.spec.minLabels,
            minPositives: ctx.spec.minPositives,
          });
    return { ...row, baseline, verdict };
  });
  return { monitor: ctx.name, model: ctx.spec.model, at: now.toISOString(), rows };
}

/** Every sampled prediction of the model answered by its own variant that has a label, for A/B on labels. */
export async function labelledOutcomes(ctx: LabelMonitorContext): Promise<LabelledOutcome[]> {
  const [stored, predictions] = await Promise.all([ctx.store.load(), predictionsOf(ctx)]);
  return predictions.flatMap((p) => {
    const truth = stored.get(p.request_id);
    if (!truth || !MODEL_SERVED_BY.includes(p.served_by)) return [];
    return [
      {
        variant: p.variant,
        predicted: p.label === 1 ? (1 as const) : (0 as const),
        actual: truth.label,
        labelledAtMs: Date.parse(truth.labelled_at),
      },
    ];
  });
}
