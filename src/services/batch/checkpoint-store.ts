import { createHash, randomUUID } from 'node:crypto';
import {
  type CheckpointDocument,
  type CheckpointPointer,
  checkpointPointer,
  foreignReason,
  type JobIdentity,
  OUTPUT_KEYS,
  parseCheckpoint,
} from '../../core/batch/checkpoint.ts';
import { type ManifestDocument, manifestDocument } from '../../core/batch/manifest.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';
import { BatchInputError } from './errors.ts';

export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

const decoder = new TextDecoder();

function parseJson(body: Uint8Array, where: string, fix: string): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch (error) {
    throw new BatchInputError(`${where} is not JSON (${(error as Error).message}); ${fix}`);
  }
}

/**
 * What the output location holds for this job: nothing (a fresh start), a checkpoint of this
 * job (resume from it), or a finished manifest. Anything corrupt or foreign is refused with
 * the object's name and the fix, before a byte is written.
 */
export type StoredState =
  | { kind: 'fresh'; runs: number }
  | { kind: 'checkpoint'; checkpoint: CheckpointDocument; runs: number }
  | { kind: 'complete'; manifest: ManifestDocument };

export async function readStoredState(store: ObjectStore, job: JobIdentity): Promise<StoredState> {
  const where = store.description.replace(/\/+$/, '');
  const startOver = `to start over, delete ${where}/checkpoints/ and ${where}/parts/ (or write to another --output)`;
  const manifestBody = await store.get(OUTPUT_KEYS.manifest);
  if (manifestBody) {
    const parsed = manifestDocument.safeParse(parseJson(manifestBody, `${where}/${OUTPUT_KEYS.manifest}`, startOver));
    if (!parsed.success) {
      throw new BatchInputError(
        `${where}/${OUTPUT_KEYS.manifest} is not a batch manifest (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}); ${startOver}`,
      );
    }
    const foreign = foreignReason(
      { ...parsed.data, version: 1, sequence: 1, rowsDone: parsed.data.rows, writtenAt: 0 },
      job,
    );
    if (foreign) {
      throw new BatchInputError(
        `${where} already holds the finished output of another job: ${foreign}. Nothing was overwritten; write to another --output, or delete ${where} first`,
      );
    }
    return { kind: 'complete', manifest: parsed.data };
  }
  const pointerBody = await store.get(OUTPUT_KEYS.pointer);
  // Runs that stopped before their first checkpoint leave only their run marker.
  if (!pointerBody) return { kind: 'fresh', runs: await countRuns(store) };
  const pointerWhere = `${where}/${OUTPUT_KEYS.pointer}`;
  const pointer = checkpointPointer.safeParse(parseJson(pointerBody, pointerWhere, startOver));
  if (!pointer.success) {
    throw new BatchInputError(
      `${pointerWhere} is not a checkpoint pointer (${pointer.error.issues[0]?.message}); ${startOver}`,
    );
  }
  const checkpoint = await readCheckpoint(store, where, pointer.data, startOver);
  const foreign = foreignReason(checkpoint, job);
  if (foreign) {
    throw new BatchInputError(
      `the checkpoint ${where}/${pointer.data.checkpoint} belongs to another job: ${foreign}. Nothing was overwritten; write to another --output, or ${startOver.replace(/^to start over, /, '')} to score this dataset from the start`,
    );
  }
  await verifyParts(store, where, checkpoint, startOver);
  return { kind: 'checkpoint', checkpoint, runs: await countRuns(store) };
}

async function readCheckpoint(
  store: ObjectStore,
  where: string,
  pointer: CheckpointPointer,
  startOver: string,
): Promise<CheckpointDocument> {
  const key = `${where}/${pointer.checkpoint}`;
  const body = await store.get(pointer.checkpoint);
  if (!body) {
    throw new BatchInputError(`${where}/${OUTPUT_KEYS.pointer} names ${key}, which does not exist; ${startOver}`);
  }
  const parsed = parseCheckpoint(parseJson(body, key, startOver));
  if (!parsed.ok)
    throw new BatchInputError(`${key} is not a valid checkpoint: ${parsed.problems.join('; ')}; ${startOver}`);
  if (parsed.checkpoint.sequence !== pointer.sequence) {
    throw new BatchInputError(
      `${key} has sequence ${parsed.checkpoint.sequence}, the pointer says ${pointer.sequence}; ${startOver}`,
    );
  }
  return parsed.checkpoint;
}

/** Every part a checkpoint names must be there with the bytes it had: a resumed output is only as good as its parts. */
async function verifyParts(store: ObjectStore, where: string, checkpoint: CheckpointDocument, startOver: string) {
  for (const part of checkpoint.parts) {
    const body = await store.get(part.key);
    if (!body)
      throw new BatchInputError(`${where}/${part.key} (rows ${part.start}-${part.end - 1}) is missing; ${startOver}`);
    if (sha256Hex(body) !== part.sha256) {
      throw new BatchInputError(
        `${where}/${part.key} (rows ${part.start}-${part.end - 1}) does not match the checkpoint's sha256: it was changed after it was written; ${startOver}`,
      );
    }
  }
}

const RUNS_PREFIX = 'checkpoints/runs/';

/** Each run leaves a marker, so the manifest can say how many runs (first + resumes) the output took. */
export async function recordRun(store: ObjectStore, sequence: number, startedAt: number): Promise<void> {
  await store.put(
    `${RUNS_PREFIX}run-${String(sequence).padStart(6, '0')}-${startedAt}-${randomUUID().slice(0, 8)}.json`,
    JSON.stringify({ startedAt }),
  );
}

export async function countRuns(store: ObjectStore): Promise<number> {
  return (await store.list(RUNS_PREFIX)).length;
}

/** Write the checkpoint object, then move the pointer: a reader sees the old checkpoint or the new one, never half of one. */
export async function writeCheckpoint(store: ObjectStore, checkpoint: CheckpointDocument): Promise<void> {
  const key = OUTPUT_KEYS.checkpoint(checkpoint.sequence);
  await store.put(key, JSON.stringify(checkpoint, null, 2));
  const pointer: CheckpointPointer = { version: 1, checkpoint: key, sequence: checkpoint.sequence };
  await store.put(OUTPUT_KEYS.pointer, JSON.stringify(pointer));
}
