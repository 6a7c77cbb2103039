import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BatchProcess, spawnBatchJob } from '../../adapters/process/batch-process.ts';
import { signalVerified } from '../../adapters/process/supervisor.ts';
import { FileObjectStore } from '../../adapters/storage/file-object-store.ts';
import { checkpointDocument, checkpointPointer, OUTPUT_KEYS } from '../../core/batch/checkpoint.ts';
import { coversExactlyOnce, manifestDocument } from '../../core/batch/manifest.ts';
import { decodeCsvPart } from '../../core/batch/part-csv.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';

/**
 * The spot-interruption drill: a batch job runs, gets the spot notice (SIGTERM through the
 * supervisor's identity-checked signal) once it has committed some rows, must checkpoint and
 * exit within the notice; a new job resumes from the checkpoint. Measures the exit time and
 * the resume time (notice until the new job commits new rows) and checks the finished output
 * holds every row exactly once. Used by the chaos action `batch-spot-interrupt`.
 */
export interface SpotDrillOptions {
  tritonUrl: string;
  input: string;
  tritonModel: string;
  interruptAfterRows: number;
  checkpointRows: number;
  inflight: number;
  noticeSeconds: number;
  /** Give up waiting for any one stage after this long. */
  timeoutSeconds: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface SpotDrillResult {
  rows: number;
  interruptedAtRow: number;
  /** SIGTERM to exit. */
  exitSeconds: number;
  exitCode: number;
  /** SIGTERM until the resumed job committed a checkpoint beyond the interrupted one. */
  resumeSeconds: number;
  /** SIGTERM until the resumed job finished. */
  completeSeconds: number;
  /** Every row 0..rows-1 exactly once in the output. */
  exactlyOnce: boolean;
  problems: string[];
}

async function committedRows(store: ObjectStore): Promise<number> {
  const pointer = await store.get(OUTPUT_KEYS.pointer);
  if (!pointer) return 0;
  const p = checkpointPointer.parse(JSON.parse(new TextDecoder().decode(pointer)));
  const body = await store.get(p.checkpoint);
  return body ? checkpointDocument.parse(JSON.parse(new TextDecoder().decode(body))).rowsDone : 0;
}

async function until(what: string, check: () => Promise<boolean>, options: SpotDrillOptions, job?: BatchProcess) {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  while (!(await check())) {
    if (options.signal?.aborted) throw new Error(`spot drill stopped while waiting for ${what}`);
    if (job && job.process.exitCode() !== null && !(await check())) {
      throw new Error(`the batch job exited (${job.process.exitCode()}) before ${what}: ${job.output().slice(-600)}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${what} within ${options.timeoutSeconds} s`);
    await sleep(20);
  }
}

export async function runSpotDrill(options: SpotDrillOptions): Promise<SpotDrillResult> {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-spot-'));
  const store = new FileObjectStore(dir);
  const args = [
    '--triton-model',
    options.tritonModel,
    '--input',
    options.input,
    '--output',
    dir,
    '--triton-url',
    options.tritonUrl,
    '--checkpoint-rows',
    String(options.checkpointRows),
    '--inflight',
    String(options.inflight),
    '--notice',
    `${options.noticeSeconds}s`,
    '--json',
  ];
  const spawned: BatchProcess[] = [];
  try {
    const first = await spawnBatchJob({ args });
    spawned.push(first);
    await until(
      `${options.interruptAfterRows} committed rows`,
      async () => (await committedRows(store)) >= options.interruptAfterRows,
      options,
      first,
    );
    const noticeAt = performance.now();
    if (signalVerified(first.process.identity, 'SIGTERM', 'batch job') === 'gone') {
      throw new Error(`the batch job finished before the notice; raise interruptAfterRows or use a larger input`);
    }
    const exitCode = await first.exited;
    const exitSeconds = (performance.now() - noticeAt) / 1000;
    const interruptedAtRow = await committedRows(store);
    options.log?.(
      `spot notice: batch job exited ${exitCode} after ${exitSeconds.toFixed(2)} s at row ${interruptedAtRow}`,
    );

    const second = await spawnBatchJob({ args: [...args, '--resume'] });
    spawned.push(second);
    await until(
      'a checkpoint from the resumed job',
      async () => (await committedRows(store)) > interruptedAtRow,
      options,
      second,
    );
    const resumeSeconds = (performance.now() - noticeAt) / 1000;
    const resumedCode = await second.exited;
    const completeSeconds = (performance.now() - noticeAt) / 1000;
    const problems: string[] = [];
    if (exitCode !== 75)
      problems.push(`the interrupted job exited ${exitCode}, expected 75: ${first.output().slice(-400)}`);
    if (resumedCode !== 0) problems.push(`the resumed job exited ${resumedCode}: ${second.output().slice(-400)}`);
    const { rows, exactlyOnce, coverage } = await verifyOutput(store);
    problems.push(...coverage);
    options.log?.(
      `spot resume: new rows committed ${resumeSeconds.toFixed(2)} s after the notice, finished after ${completeSeconds.toFixed(1)} s; ${rows} rows, ${exactlyOnce ? 'each exactly once' : 'NOT exactly once'}`,
    );
    return { rows, interruptedAtRow, exitSeconds, exitCode, resumeSeconds, completeSeconds, exactlyOnce, problems };
  } finally {
    for (const job of spawned) if (job.process.exitCode() === null) await job.process.stop(5_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the manifest and every part back: the rows must be 0..n-1, each once, in order. */
async function verifyOutput(store: ObjectStore): Promise<{ rows: number; exactlyOnce: boolean; coverage: string[] }> {
  const body = await store.get(OUTPUT_KEYS.manifest);
  if (!body) return { rows: 0, exactlyOnce: false, coverage: ['no manifest: the output is not complete'] };
  const manifest = manifestDocument.parse(JSON.parse(new TextDecoder().decode(body)));
  const coverage = coversExactlyOnce(manifest.parts, manifest.rows);
  let expected = 0;
  for (const part of manifest.parts) {
    const decoded = decodeCsvPart(new TextDecoder().decode((await store.get(part.key)) as Uint8Array));
    for (const row of decoded.rows) {
      if (row !== expected) {
        coverage.push(`${part.key}: row ${row} where row ${expected} was due`);
        return { rows: manifest.rows, exactlyOnce: false, coverage };
      }
      expected++;
    }
  }
  if (expected !== manifest.rows) coverage.push(`the parts hold ${expected} rows, the dataset ${manifest.rows}`);
  return { rows: manifest.rows, exactlyOnce: coverage.length === 0, coverage };
}
