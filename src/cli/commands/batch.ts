import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_SPEC_FILE, loadSpecFile } from '../../adapters/files/spec-file.ts';
import { TritonClient } from '../../adapters/triton/client.ts';
import { formatSeconds, progressLine } from '../../core/batch/progress-line.ts';
import { type BatchJobSpec, batchJobSpec } from '../../core/spec/kinds/batch-job.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import { documentsOfKind, stackOf } from '../../core/spec/parse.ts';
import { BatchInputError, BatchScoringError } from '../../services/batch/errors.ts';
import { scoreJob } from '../../services/batch/score-job.ts';
import { parsePositiveInt } from '../options.ts';

/** Exit codes: 0 every row scored; 75 (EX_TEMPFAIL) stopped by the spot notice, resumable; 2 bad input, nothing written; 1 scoring failed (resumable). */
export const BATCH_EXIT = { complete: 0, failed: 1, input: 2, interrupted: 75 } as const;

interface ScoreOptions {
  spec: string;
  job?: string;
  tritonModel?: string;
  input?: string;
  output?: string;
  format?: string;
  resume?: boolean;
  tritonUrl?: string;
  pushgateway?: string;
  notice?: string;
  settleWithin?: string;
  inflight?: number;
  checkpointRows?: number;
  checkpointEvery?: string;
  json?: boolean;
}

/** The BatchJob from the spec with the command line's overrides, validated as one spec (errors name the field). */
export function jobSpecFrom(options: ScoreOptions): {
  name: string;
  spec: BatchJobSpec;
  root: string;
  tritonUrl: string;
} {
  const spec = loadSpecFile(options.spec);
  const jobs = documentsOfKind(spec, 'BatchJob');
  const doc = options.job ? jobs.find((j) => j.metadata.name === options.job) : jobs[0];
  if (options.job && !doc) {
    throw new BatchInputError(
      `no BatchJob named "${options.job}" in ${options.spec}; known: ${jobs.map((j) => j.metadata.name).join(', ') || 'none'}`,
    );
  }
  const base: Record<string, unknown> = doc ? { ...doc.spec } : { tritonModel: 'fraud_v1' };
  const overrides: Record<string, unknown> = {
    ...(options.tritonModel ? { tritonModel: options.tritonModel } : {}),
    ...(options.input ? { input: options.input } : {}),
    ...(options.output ? { output: options.output } : {}),
    ...(options.format ? { format: options.format } : {}),
    ...(options.notice ? { notice: options.notice } : {}),
    ...(options.settleWithin ? { settleWithin: options.settleWithin } : {}),
    ...(options.inflight ? { inflight: options.inflight } : {}),
  };
  // A shorter notice from the command line shortens the settle allowance with it (a quarter of the notice at most).
  if (options.notice && !options.settleWithin && /^\d+(ms|s|m|h|d|w)$/.test(options.notice)) {
    const quarter = Math.floor(parseDuration(options.notice) / 4);
    const current = parseDuration(String(base.settleWithin ?? '20s'));
    if (current >= quarter) overrides.settleWithin = `${Math.max(1, quarter)}s`;
  }
  const checkpoint = { ...(base.checkpoint as object) } as Record<string, unknown>;
  if (options.checkpointRows) checkpoint.everyRows = options.checkpointRows;
  if (options.checkpointEvery) checkpoint.every = options.checkpointEvery;
  const parsed = batchJobSpec.safeParse({ ...base, ...overrides, checkpoint });
  if (!parsed.success) {
    throw new BatchInputError(
      `BatchJob ${doc?.metadata.name ?? '(command line)'}: ${parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return {
    name: doc?.metadata.name ?? 'batch',
    spec: parsed.data,
    root: dirname(resolve(options.spec)),
    tritonUrl: options.tritonUrl ?? stackOf(spec).spec.triton.url,
  };
}

export function registerBatch(program: Command): void {
  const batch = program.command('batch').description('batch scoring through Triton on spot capacity');
  batch
    .command('score')
    .description('score a dataset through Triton with checkpoints; SIGTERM (the spot notice) checkpoints and exits 75')
    .option('--spec <file>', 'spec file', DEFAULT_SPEC_FILE)
    .option('--job <name>', 'BatchJob in the spec (default: the first)')
    .option('--triton-model <name>', "Triton model that scores the rows (default: the BatchJob's tritonModel)")
    .option('--input <dataset>', 'dataset: .csv or .parquet, a path or s3://bucket/key')
    .option('--output <location>', 'output folder or s3://bucket/prefix (parts, checkpoints, manifest)')
    .option('--format <format>', 'output part format: csv or parquet')
    .option('--resume', 'continue from the checkpoint at --output (refused when there is none)')
    .option('--triton-url <url>', "Triton's HTTP endpoint (default: the Stack's triton.url)")
    .option('--pushgateway <url>', 'push the batch_* gauges here')
    .option('--notice <duration>', 'spot termination notice: exit within this after SIGTERM (default 2m)')
    .option(
      '--settle-within <duration>',
      'of the notice, how long batches in flight may finish (default 20s, at most a quarter of --notice)',
    )
    .option('--inflight <n>', 'Triton requests in flight', parsePositiveInt)
    .option('--checkpoint-rows <n>', 'checkpoint after this many new rows', parsePositiveInt)
    .option('--checkpoint-every <duration>', 'checkpoint at least this often')
    .option('--json', 'print the result as one JSON line')
    .action(async (options: ScoreOptions) => {
      process.exitCode = await runScore(options);
    });
}

async function runScore(options: ScoreOptions): Promise<number> {
  const stop = new AbortController();
  let noticeAt: number | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let job: ReturnType<typeof jobSpecFrom>;
  try {
    job = jobSpecFrom(options);
  } catch (error) {
    log(`steadystate batch score: ${(error as Error).message}`);
    return BATCH_EXIT.input;
  }
  const noticeMs = parseDuration(job.spec.notice) * 1000;
  const onNotice = () => {
    if (noticeAt !== undefined) return;
    noticeAt = Date.now();
    log(`spot notice (SIGTERM): finishing the batches in flight, then a checkpoint; exiting within ${job.spec.notice}`);
    stop.abort();
    // The platform kills at the end of the notice; leave before it, with whatever checkpoint exists.
    watchdog = setTimeout(
      () => {
        log(
          `steadystate batch score: still running ${formatSeconds((Date.now() - (noticeAt ?? 0)) / 1000)} after the notice; exiting before the kill (the last checkpoint stands)`,
        );
        process.exit(BATCH_EXIT.interrupted);
      },
      Math.max(1000, noticeMs - 2000),
    );
    watchdog.unref();
  };
  process.on('SIGTERM', onNotice);
  process.on('SIGINT', onNotice);
  const triton = new TritonClient({ url: job.tritonUrl, connections: job.spec.inflight * 2 });
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  try {
    const result = await scoreJob({
      name: job.name,
      spec: job.spec,
      root: job.root,
      triton,
      requireCheckpoint: options.resume === true,
      stop: stop.signal,
      ...(options.pushgateway ? { pushgatewayUrl: options.pushgateway } : {}),
      log,
      onProgress: (p, age) => {
        const now = Date.now();
        if (now - lastLine < (tty ? 200 : 5000) && p.rowsDone < p.totalRows) return;
        lastLine = now;
        const line = progressLine({ job: job.name, ...p, checkpointAgeSeconds: age });
        process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    if (result.status === 'already-complete') {
      const message = `${job.name}: ${job.spec.output} already holds the finished output (${result.manifest.rows} rows, ${result.manifest.parts.length} parts); nothing to do`;
      if (options.json) console.log(JSON.stringify({ status: result.status, rows: result.manifest.rows }));
      else log(message);
      return BATCH_EXIT.complete;
    }
    const summary = {
      status: result.status,
      job: job.name,
      rowsDone: result.rowsDone,
      totalRows: result.totalRows,
      startRow: result.startRow,
      rowsScored: result.rowsScored,
      checkpoints: result.checkpoints,
      abandonedBatches: result.abandonedBatches,
      seconds: Math.round(result.seconds * 1000) / 1000,
      rowsPerSecond: Math.round(result.rowsScored / Math.max(result.seconds, 1e-3)),
      batchSize: result.batchSize,
      runs: result.runs,
      ...(noticeAt !== undefined ? { exitAfterNoticeSeconds: (Date.now() - noticeAt) / 1000 } : {}),
    };
    if (options.json) console.log(JSON.stringify(summary));
    else
      log(
        result.status === 'complete'
          ? `${job.name}: all ${result.totalRows} rows scored (this run: rows ${result.startRow}-${result.totalRows - 1}, ${result.checkpoints} checkpoints, run ${result.runs}); manifest at ${job.spec.output}/manifest.json`
          : `${job.name}: interrupted at row ${result.rowsDone} of ${result.totalRows}; checkpoint written, run the same command (or --resume) to continue`,
      );
    return result.status === 'complete' ? BATCH_EXIT.complete : BATCH_EXIT.interrupted;
  } catch (error) {
    if (tty) process.stderr.write('\n');
    if (error instanceof BatchInputError) {
      log(`steadystate batch score: ${error.message}`);
      return BATCH_EXIT.input;
    }
    if (error instanceof BatchScoringError) {
      log(
        `steadystate batch score: ${error.message}; rows 0-${error.rowsDone - 1} are checkpointed, run again to resume`,
      );
      return BATCH_EXIT.failed;
    }
    throw error;
  } finally {
    clearTimeout(watchdog);
    process.off('SIGTERM', onNotice);
    process.off('SIGINT', onNotice);
    await triton.close();
  }
}
