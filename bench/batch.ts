/**
 * `npm run bench -- batch --json`
 * 1. Throughput: the same rows of the test split scored through the batch path (`steadystate
 *    batch score`: max_batch_size rows per Triton request, several in flight) and through the
 *    online path (the gateway's /v1/predict, one row per request, cache off, a closed loop of
 *    8 clients, as many as the batch job's requests in flight), against the same Triton in the same run; rows/s and their ratio.
 * 2. Interference: the online p99 through the gateway at a fixed arrival rate, without and
 *    while batch jobs (the training split, back to back) run against the same Triton.
 * Throughput figures are medians of `ROUNDS` alternating rounds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBatchJob } from '../src/adapters/process/batch-process.ts';
import { paths } from '../src/adapters/process/paths.ts';
import { freePort } from '../src/adapters/process/ports.ts';
import { startTriton, stopTriton } from '../src/adapters/process/triton-server.ts';
import { runOpenLoad } from '../src/services/load/open-load.ts';
import { everyRowToTritonV1, median, round, spawnGateway, specVariant } from './_support.ts';
import { runClosedLoop } from './lib/closed-loop.ts';

const ROUNDS = 2;
const ROWS = 6000;
/**
 * In flight on the online path: the batch job's 8, so both give the dynamic batcher the same
 * concurrency. (At 32, three in four online requests missed Triton's 200 ms queue timeout and
 * were answered by the fallback: a measure of overload, not of the path.)
 */
const ONLINE_CONCURRENCY = 8;
const P99_RATE = 40;
const P99_SECONDS = 15;

type Row = Record<string, string | number>;

function readRows(limit: number): { header: string; lines: string[]; rows: Row[] } {
  const text = readFileSync(join(paths.root(), 'serving/data/test.csv'), 'utf8').trimEnd().split('\n');
  const header = text[0] as string;
  const names = header.split(',');
  const lines = text.slice(1, limit + 1);
  const rows = lines.map((line) => {
    const cells = line.split(',');
    const row: Row = {};
    names.forEach((n, i) => {
      if (n === 'is_fraud') return;
      row[n] = n === 'merchant_category' || n === 'channel' ? (cells[i] as string) : Number(cells[i]);
    });
    return row;
  });
  return { header, lines, rows };
}

function p99(latencies: number[]): number {
  const sorted = latencies.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN;
}

export default async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-bench-batch-'));
  const { header, lines, rows } = readRows(ROWS);
  const dataset = join(dir, `test-${ROWS}.csv`);
  writeFileSync(dataset, `${header}\n${lines.join('\n')}\n`);
  // A job long enough to outlast the online measurement: the training split (144k rows).
  const full = join(paths.root(), 'serving/data/train.csv');

  const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
  const triton = await startTriton({ ports });
  const tritonUrl = `http://127.0.0.1:${ports.http}`;
  const gwPort = await freePort();
  // Online path as production serves it, but every row must reach Triton: cache off, v1 only.
  const cacheOff = specVariant((s) => {
    everyRowToTritonV1(s);
    s.gateway = { ...s.gateway, maxInflight: 10_000 };
  });
  const batchRps: number[] = [];
  const onlineRps: number[] = [];
  const onlineErrors: number[] = [];
  let onlineFirstError: string | undefined;
  let p99Without = Number.NaN;
  let p99With = Number.NaN;
  let nonOkWithout = 0;
  let nonOkWith = 0;
  let batchDuringRowsPerSecond = Number.NaN;
  let batchBusyShare = Number.NaN;
  const gateway = await spawnGateway(cacheOff, gwPort, tritonUrl);
  const gatewayUrl = `http://127.0.0.1:${gwPort}`;
  try {
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      const out = join(dir, `batch-${round_}`);
      const job = await spawnBatchJob({
        args: ['--input', dataset, '--output', out, '--triton-url', tritonUrl, '--inflight', '8', '--json'],
      });
      const code = await job.exited;
      if (code !== 0) throw new Error(`batch job exited ${code}: ${job.output()}`);
      const summary = JSON.parse(job.output().trim().split('\n').at(-1) as string) as { rowsPerSecond: number };
      batchRps.push(summary.rowsPerSecond);
      rmSync(out, { recursive: true, force: true });

      let next = 0;
      const online = await runClosedLoop({
        concurrency: ONLINE_CONCURRENCY,
        durationMs: 600_000,
        maxRequests: ROWS,
        send: async () => {
          const i = next++;
          const res = await fetch(`${gatewayUrl}/v1/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ user_id: `row-${i}`, features: rows[i] }),
          });
          const body = (await res.json()) as { served_by?: string };
          if (!res.ok || body.served_by !== 'primary')
            throw new Error(`HTTP ${res.status} served_by ${body.served_by}`);
        },
      });
      onlineRps.push(online.throughputRps);
      onlineErrors.push(online.errors);
      onlineFirstError ??= online.firstError;
      console.error(
        `round ${round_ + 1}: batch ${summary.rowsPerSecond} rows/s, online ${online.throughputRps.toFixed(1)} rows/s (${online.errors} errors)`,
      );
    }

    // Online p99 at a fixed arrival rate: alone, then with a batch job scoring the whole split.
    let k = 0;
    const next = () => ({
      userId: `p99-${k}`,
      features: rows[k++ % rows.length] as Row,
      kind: 'fresh' as const,
      fraudLike: false,
    });
    const alone = await runOpenLoad({ url: gatewayUrl, ratePerSecond: P99_RATE, durationMs: P99_SECONDS * 1000, next });
    p99Without = p99(alone.records.filter((r) => r.status === 200).map((r) => r.latencyMs));
    console.error(`online p99 alone: ${p99Without.toFixed(1)} ms`);
    nonOkWithout = alone.records.filter((r) => r.status !== 200).length;
    // Batch jobs back to back over the training split for the whole online window.
    const window = runOpenLoad({ url: gatewayUrl, ratePerSecond: P99_RATE, durationMs: P99_SECONDS * 1000, next });
    let windowDone = false;
    void window.finally(() => {
      windowDone = true;
    });
    const duringRates: number[] = [];
    let batchBusyMs = 0;
    for (let i = 0; !windowDone; i++) {
      const t0 = performance.now();
      const job = await spawnBatchJob({
        args: [
          '--input',
          full,
          '--output',
          join(dir, `batch-during-${i}`),
          '--triton-url',
          tritonUrl,
          '--inflight',
          '8',
          '--json',
        ],
      });
      const code = await job.exited;
      batchBusyMs += performance.now() - t0;
      if (code !== 0) throw new Error(`concurrent batch job exited ${code}: ${job.output()}`);
      duringRates.push(
        (JSON.parse(job.output().trim().split('\n').at(-1) as string) as { rowsPerSecond: number }).rowsPerSecond,
      );
      rmSync(join(dir, `batch-during-${i}`), { recursive: true, force: true });
    }
    const during = await window;
    batchDuringRowsPerSecond = median(duringRates);
    batchBusyShare = Math.min(1, batchBusyMs / during.elapsedMs);
    p99With = p99(during.records.filter((r) => r.status === 200).map((r) => r.latencyMs));
    nonOkWith = during.records.filter((r) => r.status !== 200).length;
  } finally {
    await gateway.stop();
    await stopTriton(triton);
    rmSync(dir, { recursive: true, force: true });
  }
  const batch = median(batchRps);
  const online = median(onlineRps);
  return {
    rows: ROWS,
    rounds: ROUNDS,
    batch_rows_per_second: round(batch, 1),
    online_rows_per_second: round(online, 1),
    batch_over_online: round(batch / online, 2),
    online_errors: onlineErrors,
    online_first_error: onlineFirstError ?? null,
    online_concurrency: ONLINE_CONCURRENCY,
    p99_rate_per_second: P99_RATE,
    online_p99_ms_without_batch: round(p99Without, 1),
    online_p99_ms_with_batch: round(p99With, 1),
    p99_with_over_without: round(p99With / p99Without, 2),
    online_non_200_without_batch: nonOkWithout,
    online_non_200_with_batch: nonOkWith,
    batch_rows_per_second_while_online: batchDuringRowsPerSecond,
    batch_jobs_share_of_online_window: round(batchBusyShare, 2),
    loadavg: readFileSync('/proc/loadavg', 'utf8').trim(),
  };
}
