import { resolve } from 'node:path';
import { DatasetReadError, parseDataset, readDatasetBytes } from '../../adapters/batch/dataset-file.ts';
import { type BatchGauges, BatchMetricsPusher } from '../../adapters/batch/metrics-push.ts';
import { encodeParquetPart } from '../../adapters/batch/part-parquet.ts';
import { maxBatchSize, tritonScorer } from '../../adapters/batch/triton-scorer.ts';
import { openObjectStore } from '../../adapters/storage/open-object-store.ts';
import type { TritonClient } from '../../adapters/triton/client.ts';
import type { JobIdentity } from '../../core/batch/checkpoint.ts';
import { encodeDataset } from '../../core/batch/dataset-schema.ts';
import type { ManifestDocument } from '../../core/batch/manifest.ts';
import { encodeCsvPart } from '../../core/batch/part-csv.ts';
import { effectiveBatchSize } from '../../core/batch/plan.ts';
import type { FeatureSchema } from '../../core/spec/feature-schema.ts';
import type { BatchJobSpec } from '../../core/spec/kinds/batch-job.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import { loadFeatureSchema } from '../../gateway/start.ts';
import { readStoredState, sha256Hex } from './checkpoint-store.ts';
import { BatchInputError } from './errors.ts';
import { type BatchProgress, type BatchRunResult, runBatch } from './run-batch.ts';

export interface ScoreJobOptions {
  name: string;
  spec: BatchJobSpec;
  /** Relative paths in the spec (featureSchema, local input/output) resolve against this. */
  root: string;
  triton: TritonClient;
  /** --resume: a checkpoint must exist (a fresh start is refused). Without it, one is continued when present. */
  requireCheckpoint: boolean;
  /** The spot notice (SIGTERM). */
  stop: AbortSignal;
  pushgatewayUrl?: string;
  log: (line: string) => void;
  onProgress?: (progress: BatchProgress, checkpointAgeSeconds: number | undefined) => void;
  env?: NodeJS.ProcessEnv;
}

export type ScoreJobResult =
  | (BatchRunResult & { batchSize: number; runs: number })
  | { status: 'already-complete'; manifest: ManifestDocument };

const local = (root: string, location: string) => (location.startsWith('s3://') ? location : resolve(root, location));

/** Everything a run needs from its input, checked before the output location is touched. */
export async function prepareInput(spec: BatchJobSpec, root: string, env: NodeJS.ProcessEnv = process.env) {
  const schemaFile = resolve(root, spec.featureSchema);
  let schema: FeatureSchema;
  try {
    schema = loadFeatureSchema(schemaFile);
  } catch (error) {
    throw new BatchInputError(`cannot load the feature schema ${schemaFile}: ${(error as Error).message}`);
  }
  const input = local(root, spec.input);
  let dataset: Awaited<ReturnType<typeof parseDataset>>;
  try {
    dataset = await parseDataset(input, await readDatasetBytes(input, env));
  } catch (error) {
    if (error instanceof DatasetReadError) throw new BatchInputError(error.message);
    throw error;
  }
  const encoded = encodeDataset(dataset.columns, dataset.records, schema);
  if (!encoded.ok) {
    throw new BatchInputError(
      `dataset ${input} does not match the feature schema ${schemaFile} of ${spec.tritonModel}: ${encoded.problems.join('; ')}. Export the columns the model takes (names and categories as in the schema), or point spec.featureSchema at the schema the dataset was built for`,
    );
  }
  const identity: JobIdentity = {
    dataset: { location: spec.input, sha256: sha256Hex(dataset.bytes), rows: encoded.rows.length },
    model: { tritonModel: spec.tritonModel, features: schema.features.map((f) => f.name) },
    format: spec.format,
  };
  return { schema, rows: encoded.rows, identity };
}

/**
 * `steadystate batch score`: validate the dataset against the model, find what the output
 * location already holds (nothing, this job's checkpoint, a finished manifest; a foreign or
 * corrupt one is refused before anything is written), then score the rest through Triton.
 */
export async function scoreJob(options: ScoreJobOptions): Promise<ScoreJobResult> {
  const { spec, log } = options;
  const env = options.env ?? process.env;
  const { schema, rows, identity } = await prepareInput(spec, options.root, env);
  const output = local(options.root, spec.output);
  const store = openObjectStore(output, env);
  const state = await readStoredState(store, identity);
  if (state.kind === 'complete') return { status: 'already-complete', manifest: state.manifest };
  if (state.kind === 'fresh' && options.requireCheckpoint) {
    throw new BatchInputError(
      `--resume: ${output} holds no checkpoint (no ${output}/checkpoints/LATEST.json); run without --resume to start from row 0`,
    );
  }
  if (state.kind === 'checkpoint') {
    log(
      `resuming ${options.name} from checkpoint ${state.checkpoint.sequence}: rows 0-${state.checkpoint.rowsDone - 1} done, ${rows.length - state.checkpoint.rowsDone} to go`,
    );
  }
  const modelMax = await maxBatchSize(options.triton, spec.tritonModel);
  const batchSize = effectiveBatchSize(spec.batchSize, modelMax);
  if (batchSize < spec.batchSize)
    log(`batchSize ${spec.batchSize} capped at ${spec.tritonModel}'s max_batch_size ${batchSize}`);

  const pusher = options.pushgatewayUrl ? new BatchMetricsPusher(options.pushgatewayUrl, options.name) : undefined;
  const runs = state.runs + 1;
  let lastPush = 0;
  let lastCheckpointMs: number | undefined =
    state.kind === 'checkpoint' ? state.checkpoint.writtenAt * 1000 : undefined;
  const push = async (p: BatchProgress, interrupted: boolean, force: boolean) => {
    if (!pusher || (!force && Date.now() - lastPush < 2_000)) return;
    lastPush = Date.now();
    const gauges: BatchGauges = {
      rowsDone: p.rowsDone,
      rowsCommitted: p.rowsCommitted,
      rowsTotal: p.totalRows,
      rowsPerSecond: p.rowsPerSecond,
      lastCheckpointSeconds: lastCheckpointMs === undefined ? undefined : lastCheckpointMs / 1000,
      runs,
      interrupted,
    };
    await pusher.push(gauges).catch((error: Error) => log(`metrics push failed (the job goes on): ${error.message}`));
  };
  let latest: BatchProgress | undefined;
  const result = await runBatch({
    job: options.name,
    identity,
    rows,
    store,
    scorer: tritonScorer(options.triton, spec.tritonModel, schema.input),
    now: () => Date.now(),
    batchSize,
    inflight: spec.inflight,
    checkpoint: { everyRows: spec.checkpoint.everyRows, everySeconds: parseDuration(spec.checkpoint.every) },
    stop: options.stop,
    abandonAfterMs: parseDuration(spec.settleWithin) * 1000,
    attempts: spec.attempts,
    encodePart: spec.format === 'csv' ? encodeCsvPart : encodeParquetPart,
    ...(state.kind === 'checkpoint' ? { resumeFrom: { checkpoint: state.checkpoint, runs: state.runs } } : {}),
    onProgress: (p) => {
      latest = p;
      options.onProgress?.(p, lastCheckpointMs === undefined ? undefined : (Date.now() - lastCheckpointMs) / 1000);
      void push(p, false, false);
    },
    onCheckpoint: (c) => {
      lastCheckpointMs = c.writtenAt * 1000;
    },
  });
  if (latest) await push(latest, result.status === 'interrupted', true);
  return { ...result, batchSize, runs };
}
