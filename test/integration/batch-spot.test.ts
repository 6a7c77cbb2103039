import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeParquetPart } from '../../src/adapters/batch/part-parquet.ts';
import { spawnBatchJob } from '../../src/adapters/process/batch-process.ts';
import type { Daemon } from '../../src/adapters/process/daemon.ts';
import { type ObjectStoreServer, startObjectStore } from '../../src/adapters/process/object-store-server.ts';
import { startPushgateway } from '../../src/adapters/process/pushgateway-server.ts';
import { signalVerified, waitUntil } from '../../src/adapters/process/supervisor.ts';
import type { TritonInstance } from '../../src/adapters/process/triton-server.ts';
import { S3ObjectStore } from '../../src/adapters/storage/s3-object-store.ts';
import { manifestDocument } from '../../src/core/batch/manifest.ts';
import { decodeCsvPart } from '../../src/core/batch/part-csv.ts';
import type { ObjectStore } from '../../src/core/storage/object-store.ts';
import { startTestTriton, stopTestTriton } from './fixtures/triton.ts';

// Real Triton (fraud_v1), real versitygw S3, the CLI as its own process, a real SIGTERM.
const ROWS = 8000;
let triton: TritonInstance;
let s3: ObjectStoreServer;
let pushgateway: Daemon;
const dir = mkdtempSync(join(tmpdir(), 'steadystate-batch-it-'));
const csvDataset = join(dir, 'test-8000.csv');
let s3Env: Record<string, string>;

const bucket = (name: string) =>
  new S3ObjectStore({
    endpoint: s3.endpoint,
    bucket: name,
    prefix: '',
    region: s3.region,
    credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
  });

beforeAll(async () => {
  [triton, s3, pushgateway] = await Promise.all([
    startTestTriton(['fraud_v1']),
    startObjectStore({}),
    startPushgateway(),
  ]);
  s3Env = s3.clientEnv;
  const lines = readFileSync('serving/data/test.csv', 'utf8')
    .split('\n')
    .slice(0, ROWS + 1);
  writeFileSync(csvDataset, `${lines.join('\n')}\n`);
  // The same rows as Parquet in S3: the dataset a real batch job reads.
  const header = (lines[0] as string).split(',');
  const cells = lines.slice(1).map((l) => l.split(','));
  const columnData = header.map((name, j) => {
    const values = cells.map((c) => c[j] as string);
    return name === 'merchant_category' || name === 'channel'
      ? { name, data: values, type: 'STRING' as const }
      : { name, data: Float64Array.from(values, Number), type: 'DOUBLE' as const };
  });
  const data = bucket('datasets');
  await data.ensureBucket();
  await data.put('fraud/test-8000.parquet', new Uint8Array(parquetWriteBuffer({ columnData })));
  await bucket('scores').ensureBucket();
}, 180_000);

afterAll(async () => {
  await Promise.all([stopTestTriton(triton), s3?.stop(), pushgateway?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const tritonUrl = () => `http://127.0.0.1:${triton.ports.http}`;
const common = () => ['--triton-url', tritonUrl(), '--json', '--inflight', '6'];

async function run(args: string[]) {
  const job = await spawnBatchJob({ args: [...common(), ...args], env: s3Env });
  const code = await job.exited;
  return { code, output: job.output() };
}

async function assembled(store: ObjectStore, format: 'csv' | 'parquet') {
  const manifest = manifestDocument.parse(JSON.parse(new TextDecoder().decode(await store.get('manifest.json'))));
  const rows: number[] = [];
  const scores: number[] = [];
  for (const part of manifest.parts) {
    const body = (await store.get(part.key)) as Uint8Array;
    const decoded = format === 'csv' ? decodeCsvPart(new TextDecoder().decode(body)) : await decodeParquetPart(body);
    rows.push(...decoded.rows);
    scores.push(...decoded.scores);
  }
  return { manifest, rows, scores };
}

describe('batch score on spot capacity', () => {
  let reference: { rows: number[]; scores: number[] };

  it('scores every row of a local CSV once, in order (uninterrupted reference)', async () => {
    const out = join(dir, 'reference');
    const started = performance.now();
    const { code, output } = await run(['--input', csvDataset, '--output', out, '--format', 'parquet']);
    expect(code, output).toBe(0);
    const seconds = (performance.now() - started) / 1000;
    const { FileObjectStore } = await import('../../src/adapters/storage/file-object-store.ts');
    const result = await assembled(new FileObjectStore(out), 'parquet');
    expect(result.rows).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect(result.scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(result.manifest.runs).toBe(1);
    reference = result;
    console.log(`batch reference: ${ROWS} rows in ${seconds.toFixed(1)} s (process start included)`);
  }, 60_000);

  it('SIGTERM mid-run (the spot notice): checkpoint, exit 75 within the notice; resume from S3 equals the reference', async () => {
    const out = `s3://${s3.endpoint}/scores/spot-run`;
    const input = `s3://${s3.endpoint}/datasets/fraud/test-8000.parquet`;
    const args = [
      '--input',
      input,
      '--output',
      out,
      '--format',
      'parquet',
      '--checkpoint-rows',
      '400',
      '--notice',
      '20s',
      '--pushgateway',
      pushgateway.url,
    ];
    const first = await spawnBatchJob({ args: [...common(), ...args], env: s3Env });
    const store = bucket('scores');
    const checkpointed = await waitUntil(
      async () => (await store.list('spot-run/checkpoints/LATEST.json')).length > 0,
      30_000,
      20,
    );
    expect(checkpointed, first.output()).toBe(true);
    const noticeAt = performance.now();
    expect(signalVerified(first.process.identity, 'SIGTERM', 'batch job')).toBe('signalled');
    const code = await first.exited;
    const exitSeconds = (performance.now() - noticeAt) / 1000;
    expect(code, first.output()).toBe(75);
    expect(exitSeconds).toBeLessThan(20);
    const interrupted = JSON.parse(first.output().trim().split('\n').at(-1) as string);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.rowsDone).toBeGreaterThan(0);
    expect(interrupted.rowsDone).toBeLessThan(ROWS);
    expect(await store.list('spot-run/manifest.json')).toEqual([]);
    // The dashboard's gauges: pushed on the way out, with the committed rows and the interruption.
    const metrics = await (await fetch(`${pushgateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`batch_rows_committed\\{[^}]*batch_job="fraud-batch"[^}]*\\} ${interrupted.rowsDone}\\n`),
    );
    expect(metrics).toMatch(/batch_interrupted\{[^}]*batch_job="fraud-batch"[^}]*\} 1\n/);
    expect(metrics).toMatch(/batch_last_checkpoint_timestamp_seconds\{[^}]*\} \d/);

    const resumeStarted = performance.now();
    const second = await run([...args, '--resume']);
    expect(second.code, second.output).toBe(0);
    const resumed = JSON.parse(second.output.trim().split('\n').at(-1) as string);
    expect(resumed.startRow).toBe(interrupted.rowsDone);
    expect(resumed.runs).toBe(2);
    const result = await assembled(
      new S3ObjectStore({
        endpoint: s3.endpoint,
        bucket: 'scores',
        prefix: 'spot-run',
        region: s3.region,
        credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
      }),
      'parquet',
    );
    // Row for row the same as the uninterrupted run: nothing lost, nothing twice.
    expect(result.rows).toEqual(reference.rows);
    expect(result.scores).toEqual(reference.scores);
    console.log(
      `spot notice: exit ${exitSeconds.toFixed(2)} s after SIGTERM at row ${interrupted.rowsDone}/${ROWS}; resume to completion ${((performance.now() - resumeStarted) / 1000).toFixed(1)} s`,
    );
    // Run again: the finished output is left alone.
    const again = await run(args);
    expect(again.code).toBe(0);
    expect(again.output).toMatch(/already-complete/);
  }, 90_000);

  it('refuses bad input, naming the file and the fix, and overwrites nothing', async () => {
    // A dataset without a column the model takes.
    const noAmount = join(dir, 'no-amount.csv');
    const lines = readFileSync(csvDataset, 'utf8').split('\n').slice(0, 50);
    writeFileSync(noAmount, lines.map((l) => l.split(',').slice(1).join(',')).join('\n'));
    const schema = await run(['--input', noAmount, '--output', join(dir, 'x')]);
    expect(schema.code).toBe(2);
    expect(schema.output).toMatch(
      /no-amount.csv does not match the feature schema .*feature_schema.json of fraud_v1: no column "amount"/,
    );

    const missing = await run(['--input', join(dir, 'nope.csv'), '--output', join(dir, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/cannot read dataset .*nope.csv: ENOENT; give --input an existing/);

    // The reference output belongs to the 8000-row dataset: a 49-row dataset must not touch it.
    const small = join(dir, 'small.csv');
    writeFileSync(small, `${lines.join('\n')}\n`);
    const before = readFileSync(join(dir, 'reference', 'manifest.json'), 'utf8');
    const foreign = await run(['--input', small, '--output', join(dir, 'reference'), '--format', 'parquet']);
    expect(foreign.code).toBe(2);
    expect(foreign.output).toMatch(
      /already holds the finished output of another job: it was written for dataset .*Nothing was overwritten/,
    );
    expect(readFileSync(join(dir, 'reference', 'manifest.json'), 'utf8')).toBe(before);

    const noCheckpoint = await run(['--input', small, '--output', join(dir, 'empty'), '--resume']);
    expect(noCheckpoint.code).toBe(2);
    expect(noCheckpoint.output).toMatch(/--resume: .*empty holds no checkpoint/);
  }, 60_000);
});
