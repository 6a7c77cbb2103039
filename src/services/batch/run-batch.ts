import {
  type CheckpointDocument,
  type JobIdentity,
  OUTPUT_KEYS,
  type PartRecord,
} from '../../core/batch/checkpoint.ts';
import {
  commitThrough,
  contiguousRun,
  emptyFrontier,
  type Frontier,
  pendingRows,
  recordFinished,
} from '../../core/batch/frontier.ts';
import { type ManifestDocument, OUTPUT_COLUMNS } from '../../core/batch/manifest.ts';
import { planBatches, type RowRange } from '../../core/batch/plan.ts';
import { checkpointDue, resumePoint } from '../../core/batch/resume.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';
import { countRuns, recordRun, sha256Hex, writeCheckpoint } from './checkpoint-store.ts';
import { BatchScoringError } from './errors.ts';
import type { Scorer } from './ports.ts';

export interface BatchProgress {
  /** Rows scored so far (committed in a checkpoint or finished since). */
  rowsDone: number;
  rowsCommitted: number;
  totalRows: number;
  /** Rows scored by this run per second of this run. */
  rowsPerSecond: number;
  /** Milliseconds (injected clock) of the last checkpoint, or undefined before the first. */
  lastCheckpointAt: number | undefined;
}

export interface BatchRunOptions {
  job: string;
  identity: JobIdentity;
  /** The dataset's rows, encoded for the model (feature schema order). */
  rows: readonly (readonly number[])[];
  store: ObjectStore;
  scorer: Scorer;
  /** Milliseconds; injected so tests control checkpoint timing. */
  now: () => number;
  batchSize: number;
  /** Triton requests in flight at once: enough for the dynamic batcher to keep every instance busy. */
  inflight: number;
  checkpoint: { everyRows: number; everySeconds: number };
  /** Fires on the spot notice (SIGTERM): dispatch nothing new, settle, checkpoint, return. */
  stop: AbortSignal;
  /** After the notice, how long batches in flight may finish before they are abandoned (scored again on resume). */
  abandonAfterMs: number;
  /** Attempts per batch before the job gives up (Triton rejects requests that queued too long). */
  attempts: number;
  encodePart: (start: number, scores: readonly number[]) => Uint8Array | string;
  /** The checkpoint to continue from (already verified), and how many runs came before. */
  resumeFrom?: { checkpoint: CheckpointDocument; runs: number };
  onProgress?: (progress: BatchProgress) => void;
  onCheckpoint?: (checkpoint: CheckpointDocument) => void;
  /** Waits between attempts; injected so tests need no real time. */
  sleep?: (ms: number) => Promise<void>;
}

export interface BatchRunResult {
  status: 'complete' | 'interrupted';
  rowsDone: number;
  totalRows: number;
  /** Rows this run scored (including any scored again after an abandoned batch). */
  rowsScored: number;
  /** Row the run started from (0, or the checkpoint's rowsDone). */
  startRow: number;
  checkpoints: number;
  /** Batches in flight at the notice that were abandoned rather than finished. */
  abandonedBatches: number;
  /** Seconds this run took (injected clock). */
  seconds: number;
  manifest?: ManifestDocument;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Scores a dataset through the scorer with `inflight` batches at once, checkpointing a
 * gap-free prefix every N rows or T seconds, and stops cleanly on `stop`: whatever finished
 * is committed, whatever did not is scored again by the next run. Every row ends up in
 * exactly one part; the manifest is written only when all rows are.
 */
export async function runBatch(options: BatchRunOptions): Promise<BatchRunResult> {
  const { store, identity, rows, now } = options;
  const sleep = options.sleep ?? realSleep;
  const totalRows = rows.length;
  const resume = resumePoint(options.resumeFrom?.checkpoint, options.resumeFrom?.runs ?? 0);
  const startedAt = now();
  await recordRun(store, resume.nextSequence, Math.round(startedAt));
  let frontier: Frontier = emptyFrontier(resume.startRow);
  let parts: PartRecord[] = resume.parts;
  let sequence = resume.nextSequence;
  let lastCheckpointAt: number | undefined;
  let committedAtLastCheckpoint = resume.startRow;
  let lastCheckpointTime = startedAt;
  let rowsScored = 0;
  let checkpoints = 0;
  let closed = false;
  let fatal: Error | undefined;

  const progress = (): BatchProgress => {
    const elapsed = Math.max(1e-3, (now() - startedAt) / 1000);
    return {
      rowsDone: frontier.committed + pendingRows(frontier),
      rowsCommitted: frontier.committed,
      totalRows,
      rowsPerSecond: rowsScored / elapsed,
      lastCheckpointAt,
    };
  };

  const commit = async (): Promise<void> => {
    const run = contiguousRun(frontier);
    if (run.end === frontier.committed) return;
    const key = OUTPUT_KEYS.part(sequence, identity.format);
    const body = options.encodePart(run.start, run.scores);
    await store.put(key, body);
    parts = [...parts, { key, start: run.start, end: run.end, sha256: sha256Hex(body) }];
    const checkpoint: CheckpointDocument = {
      version: 1,
      job: options.job,
      dataset: identity.dataset,
      model: identity.model,
      format: identity.format,
      sequence,
      rowsDone: run.end,
      parts,
      writtenAt: Math.round(now()) / 1000,
    };
    await writeCheckpoint(store, checkpoint);
    frontier = commitThrough(frontier, run.end);
    sequence++;
    checkpoints++;
    lastCheckpointAt = now();
    lastCheckpointTime = lastCheckpointAt;
    committedAtLastCheckpoint = run.end;
    options.onCheckpoint?.(checkpoint);
  };

  const scoreBatch = async (range: RowRange, signal: AbortSignal): Promise<number[]> => {
    const batch = rows.slice(range.start, range.end);
    let lastError: unknown;
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      if (signal.aborted) throw signal.reason;
      try {
        const scores = await options.scorer(batch, signal);
        if (scores.length !== batch.length || !scores.every(Number.isFinite)) {
          throw new Error(`expected ${batch.length} finite scores, got ${JSON.stringify(scores).slice(0, 120)}`);
        }
        return scores;
      } catch (error) {
        if (signal.aborted) throw error;
        lastError = error;
        if (attempt < options.attempts) await sleep(Math.min(2000, 50 * 2 ** (attempt - 1)));
      }
    }
    throw new BatchScoringError(
      `rows ${range.start}-${range.end - 1} failed ${options.attempts} times: ${(lastError as Error)?.message ?? String(lastError)}`,
      frontier.committed,
      { cause: lastError },
    );
  };

  const plan = planBatches(resume.startRow, totalRows, options.batchSize);
  const inflight = new Map<Promise<void>, AbortController>();
  let next = 0;
  const dispatch = (range: RowRange) => {
    const controller = new AbortController();
    const task: Promise<void> = scoreBatch(range, controller.signal).then(
      (scores) => {
        if (closed) return;
        frontier = recordFinished(frontier, range, scores);
        rowsScored += scores.length;
      },
      (error: unknown) => {
        if (!closed && !controller.signal.aborted) fatal ??= error as Error;
      },
    );
    inflight.set(task, controller);
    void task.finally(() => inflight.delete(task));
  };
  const stopped = new Promise<void>((resolve) => {
    if (options.stop.aborted) resolve();
    else options.stop.addEventListener('abort', () => resolve(), { once: true });
  });

  while (true) {
    while (!options.stop.aborted && !fatal && next < plan.length && inflight.size < options.inflight) {
      dispatch(plan[next++] as RowRange);
    }
    if (inflight.size === 0) break;
    await Promise.race([...inflight.keys(), stopped]);
    // A task's own `finally` removes it a microtask later; yield so the map is current.
    await Promise.resolve();
    if (options.stop.aborted || fatal) break;
    const seconds = (now() - lastCheckpointTime) / 1000;
    if (checkpointDue(contiguousRun(frontier).end - committedAtLastCheckpoint, seconds, options.checkpoint)) {
      await commit();
    }
    options.onProgress?.(progress());
  }

  let abandonedBatches = 0;
  if (inflight.size > 0) {
    // The spot notice (or a fatal error): let the batches in flight finish within the allowance, abandon the rest.
    const settled = Promise.allSettled([...inflight.keys()]).then(() => 'settled' as const);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      settled,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, options.abandonAfterMs));
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      abandonedBatches = inflight.size;
      for (const controller of inflight.values()) controller.abort(new Error('abandoned at the spot notice'));
    }
  }
  closed = true;
  await commit();
  options.onProgress?.(progress());

  if (fatal && frontier.committed < totalRows) {
    if (fatal instanceof BatchScoringError)
      throw new BatchScoringError(fatal.message, frontier.committed, { cause: fatal.cause });
    throw new BatchScoringError((fatal as Error).message, frontier.committed, { cause: fatal });
  }
  const base = {
    rowsDone: frontier.committed,
    totalRows,
    rowsScored,
    startRow: resume.startRow,
    checkpoints,
    abandonedBatches,
    seconds: (now() - startedAt) / 1000,
  };
  if (frontier.committed < totalRows) return { status: 'interrupted', ...base };

  const manifest: ManifestDocument = {
    version: 1,
    job: options.job,
    dataset: identity.dataset,
    model: identity.model,
    format: identity.format,
    rows: totalRows,
    columns: [...OUTPUT_COLUMNS],
    parts,
    // Every run leaves a marker, also one stopped before its first checkpoint.
    runs: Math.max(resume.previousRuns + 1, await countRuns(store)),
    completedAt: Math.round(now()) / 1000,
  };
  await removeOrphanParts(store, parts);
  await store.put(OUTPUT_KEYS.manifest, JSON.stringify(manifest, null, 2));
  return { status: 'complete', ...base, manifest };
}

/** A part stored by a run that died before its checkpoint is named by no checkpoint: drop it so the folder holds only the output. */
async function removeOrphanParts(store: ObjectStore, parts: readonly PartRecord[]): Promise<void> {
  const named = new Set(parts.map((p) => p.key));
  for (const key of await store.list('parts/')) {
    if (!named.has(key)) await store.delete(key);
  }
}
