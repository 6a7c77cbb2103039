import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CheckpointDocument, foreignReason, parseCheckpoint } from '../../../src/core/batch/checkpoint.ts';
import { commitThrough, contiguousRun, emptyFrontier, recordFinished } from '../../../src/core/batch/frontier.ts';
import { decodeCsvPart, encodeCsvPart } from '../../../src/core/batch/part-csv.ts';
import { effectiveBatchSize, planBatches } from '../../../src/core/batch/plan.ts';
import { checkpointDue, progressOf, resumePoint } from '../../../src/core/batch/resume.ts';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

function checkpoint(over: Partial<CheckpointDocument> = {}): CheckpointDocument {
  return {
    version: 1,
    job: 'fraud-batch',
    dataset: { location: 'data.csv', sha256: HASH_A, rows: 100 },
    model: { tritonModel: 'fraud_v1', features: ['amount', 'hour'] },
    format: 'csv',
    sequence: 2,
    rowsDone: 40,
    parts: [
      { key: 'parts/part-000001.csv', start: 0, end: 32, sha256: HASH_A },
      { key: 'parts/part-000002.csv', start: 32, end: 40, sha256: HASH_B },
    ],
    writtenAt: 1,
    ...over,
  };
}

describe('batch plan', () => {
  it('tiles [start, total) with ranges of at most batchSize rows, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 64 }), fc.nat(), (total, size, s) => {
        const start = total === 0 ? 0 : s % (total + 1);
        const ranges = planBatches(start, total, size);
        let at = start;
        for (const r of ranges) {
          expect(r.start).toBe(at);
          expect(r.end - r.start).toBeGreaterThan(0);
          expect(r.end - r.start).toBeLessThanOrEqual(size);
          at = r.end;
        }
        expect(at).toBe(total === 0 ? start : total);
      }),
    );
  });

  it('never asks Triton for more rows than max_batch_size', () => {
    expect(effectiveBatchSize(1024, 32)).toBe(32);
    expect(effectiveBatchSize(16, 32)).toBe(16);
    expect(effectiveBatchSize(16, 0)).toBe(1);
  });

  it('refuses a start outside the dataset', () => {
    expect(() => planBatches(11, 10, 4)).toThrow(/startRow 11 is outside/);
    expect(() => planBatches(0, 10, 0)).toThrow(/batchSize must be a positive integer/);
  });
});

describe('frontier', () => {
  it('commits only a gap-free prefix whatever order batches finish in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 17 }),
        fc.infiniteStream(fc.nat()),
        (total, size, picks) => {
          const ranges = planBatches(0, total, size);
          const order = [...ranges];
          const it = picks[Symbol.iterator]();
          for (let i = order.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [order[i], order[j]] = [order[j] as (typeof order)[0], order[i] as (typeof order)[0]];
          }
          let f = emptyFrontier(0);
          const committed: number[] = [];
          for (const r of order) {
            f = recordFinished(
              f,
              r,
              Array.from({ length: r.end - r.start }, (_, k) => r.start + k),
            );
            const run = contiguousRun(f);
            // every committed score is the row's own, in row order
            expect(run.scores).toEqual(Array.from({ length: run.end - run.start }, (_, k) => run.start + k));
            committed.push(...run.scores);
            f = commitThrough(f, run.end);
          }
          expect(committed).toEqual(Array.from({ length: total }, (_, k) => k));
          expect(f.committed).toBe(total);
        },
      ),
    );
  });

  it('refuses a batch scored twice', () => {
    let f = recordFinished(emptyFrontier(0), { start: 0, end: 2 }, [1, 2]);
    expect(() => recordFinished(f, { start: 0, end: 2 }, [1, 2])).toThrow(/scored twice/);
    f = commitThrough(f, 2);
    expect(() => recordFinished(f, { start: 0, end: 2 }, [1, 2])).toThrow(/scored twice/);
    expect(() => recordFinished(f, { start: 2, end: 4 }, [1])).toThrow(/returned 1 scores for 2 rows/);
  });
});

describe('checkpoint document', () => {
  it('parses a valid checkpoint and resumes after its committed rows', () => {
    const parsed = parseCheckpoint(JSON.parse(JSON.stringify(checkpoint())));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(resumePoint(parsed.checkpoint, 1)).toMatchObject({ startRow: 40, nextSequence: 3, previousRuns: 1 });
    expect(resumePoint(undefined)).toMatchObject({ startRow: 0, nextSequence: 1, parts: [] });
  });

  it('names the field of a malformed checkpoint', () => {
    const parsed = parseCheckpoint({ ...checkpoint(), version: 2, rowsDone: -1 });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.join('\n')).toMatch(/version/);
    expect(parsed.problems.join('\n')).toMatch(/rowsDone/);
  });

  it('refuses parts with a gap or an overlap (a row lost or scored twice)', () => {
    const gap = parseCheckpoint(
      checkpoint({
        parts: [
          { key: 'a', start: 0, end: 30, sha256: HASH_A },
          { key: 'b', start: 32, end: 40, sha256: HASH_A },
        ],
      }),
    );
    expect(gap.ok ? '' : gap.problems.join()).toMatch(/parts.1: starts at row 32, expected 30 \(rows missing\)/);
    const overlap = parseCheckpoint(
      checkpoint({
        parts: [
          { key: 'a', start: 0, end: 34, sha256: HASH_A },
          { key: 'b', start: 32, end: 40, sha256: HASH_A },
        ],
      }),
    );
    expect(overlap.ok ? '' : overlap.problems.join()).toMatch(/rows scored twice/);
    const short = parseCheckpoint(checkpoint({ rowsDone: 50 }));
    expect(short.ok ? '' : short.problems.join()).toMatch(/rowsDone: 50, but the parts end at row 40/);
  });

  it('tells a foreign checkpoint: other dataset, model, features or format', () => {
    const job = {
      dataset: { location: 'data.csv', sha256: HASH_A, rows: 100 },
      model: { tritonModel: 'fraud_v1', features: ['amount', 'hour'] },
      format: 'csv' as const,
    };
    expect(foreignReason(checkpoint(), job)).toBeUndefined();
    expect(foreignReason(checkpoint(), { ...job, dataset: { ...job.dataset, sha256: HASH_B } })).toMatch(
      /written for dataset data.csv/,
    );
    expect(foreignReason(checkpoint(), { ...job, model: { ...job.model, tritonModel: 'fraud_v2' } })).toMatch(
      /scored by model fraud_v1, this job scores with fraud_v2/,
    );
    expect(foreignReason(checkpoint(), { ...job, model: { ...job.model, features: ['hour', 'amount'] } })).toMatch(
      /features/,
    );
    expect(foreignReason(checkpoint(), { ...job, format: 'parquet' })).toMatch(/parts are csv/);
  });
});

describe('progress and checkpoint policy', () => {
  it('is due after N rows or T seconds, never without a new row', () => {
    const policy = { everyRows: 1000, everySeconds: 30 };
    expect(checkpointDue(1000, 1, policy)).toBe(true);
    expect(checkpointDue(10, 30, policy)).toBe(true);
    expect(checkpointDue(10, 29, policy)).toBe(false);
    expect(checkpointDue(0, 999, policy)).toBe(false);
  });

  it('computes the ETA from the rate', () => {
    expect(progressOf(250, 1000, 50)).toEqual({ fraction: 0.25, etaSeconds: 15 });
    expect(progressOf(0, 1000, 0).etaSeconds).toBeNull();
  });

  it('prints scores so they read back to the same value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { maxLength: 50 }),
        fc.nat(1e6),
        (scores, start) => {
          const decoded = decodeCsvPart(encodeCsvPart(start, scores));
          expect(decoded.scores).toEqual(scores.map((s) => (Object.is(s, -0) ? 0 : s)).map(Number));
          expect(decoded.rows).toEqual(scores.map((_, i) => start + i));
        },
      ),
    );
  });
});
