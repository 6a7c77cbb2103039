import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { type LoadRequest, predictBody } from '../../core/load/payload-mix.ts';
import { isGood, type LoadRecord } from '../../core/load/record.ts';
import { recentP99 } from '../../core/load/series.ts';
import { assertLoopbackUrl } from './loopback.ts';
import { sendPredict } from './send.ts';

/**
 * Open-model load: requests arrive at a fixed rate whatever the server does, the way users
 * arrive in production (Schroeder, Wierman & Harchol-Balter, "Open versus closed: a cautionary
 * tale", NSDI 2006). A closed loop (N workers that wait for each answer) sends less exactly
 * when the server slows down and so hides the slowdown; an open model keeps sending and lets
 * the queue, the shedding and the fallbacks show. k6's constant-arrival-rate executor and
 * wrk2 work this way.
 */
export interface OpenLoadOptions {
  /** Gateway base URL, loopback only (e.g. http://127.0.0.1:8080). */
  url: string;
  /** Arrivals per second. */
  ratePerSecond: number;
  /** How long the schedule runs. */
  durationMs: number;
  /** Upper bound on requests (default: rate x duration). */
  maxRequests?: number;
  /** The next request body (a PayloadMix's next). */
  next: () => LoadRequest;
  /** Give up on one request after this long (default 5000 ms); it is recorded with status 0. */
  timeoutMs?: number;
  /** In-flight bound: a request due while this many are open is dropped and recorded (default 4096). */
  maxInflight?: number;
  /** Keep-alive connections to the gateway (default 256). */
  connections?: number;
  /** Progress callback period (default 1000 ms) and the window its p99 covers (default 10 s). */
  progressEveryMs?: number;
  progressWindowMs?: number;
  onProgress?: (progress: LoadProgress) => void;
  /** Path of the prediction endpoint (default /v1/predict). */
  path?: string;
  signal?: AbortSignal;
}

export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  completed: number;
  inflight: number;
  dropped: number;
  /** Answers that were not a good event (non-200, no answer, or a tier that does not count as good). */
  failed: number;
  /** Sent per second since the start. */
  sendRatePerSecond: number;
  /** p99 latency of what completed in the last `windowMs`; NaN when nothing did. */
  p99Ms: number;
  windowMs: number;
}

export interface OpenLoadResult {
  /** Wall-clock start (epoch ms), to line records up with Prometheus samples and chaos journals. */
  startedAtEpochMs: number;
  ratePerSecond: number;
  plannedRequests: number;
  sent: number;
  dropped: number;
  /** Measured from the actual send times: (sends - 1) / (last send - first send). */
  achievedRatePerSecond: number;
  /** Whole run, including waiting for the last answers. */
  elapsedMs: number;
  aborted: boolean;
  records: LoadRecord[];
}

const LIMITS = { ratePerSecond: 20_000, durationMs: 3_600_000, maxRequests: 2_000_000 };

export function openLoadProblems(o: OpenLoadOptions): string[] {
  const problems: string[] = [];
  if (!(o.ratePerSecond > 0 && o.ratePerSecond <= LIMITS.ratePerSecond))
    problems.push(`ratePerSecond must be in (0, ${LIMITS.ratePerSecond}], got ${o.ratePerSecond}`);
  if (!(o.durationMs > 0 && o.durationMs <= LIMITS.durationMs))
    problems.push(`durationMs must be in (0, ${LIMITS.durationMs}] (one hour), got ${o.durationMs}`);
  if (o.maxRequests !== undefined && !(Number.isSafeInteger(o.maxRequests) && o.maxRequests >= 1))
    problems.push(`maxRequests must be an integer >= 1, got ${o.maxRequests}`);
  for (const field of ['timeoutMs', 'maxInflight', 'connections', 'progressEveryMs', 'progressWindowMs'] as const) {
    const v = o[field];
    if (v !== undefined && !(v > 0 && Number.isFinite(v)))
      problems.push(`${field} must be a positive number, got ${v}`);
  }
  return problems;
}

export async function runOpenLoad(options: OpenLoadOptions): Promise<OpenLoadResult> {
  const problems = openLoadProblems(options);
  if (problems.length > 0) throw new RangeError(`open load: ${problems.join('; ')}`);
  const origin = assertLoopbackUrl(options.url);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxInflight = options.maxInflight ?? 4_096;
  const path = options.path ?? '/v1/predict';
  const intervalMs = 1000 / options.ratePerSecond;
  const planned = Math.min(
    options.maxRequests ?? Number.POSITIVE_INFINITY,
    LIMITS.maxRequests,
    Math.max(1, Math.floor((options.durationMs * options.ratePerSecond) / 1000)),
  );
  const pool = new Pool(origin, {
    connections: options.connections ?? 256,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const records: LoadRecord[] = [];
  const completedInOrder: LoadRecord[] = [];
  const pending = new Set<Promise<void>>();
  let failed = 0;
  let dropped = 0;
  const startedAtEpochMs = Date.now();
  const t0 = performance.now();
  const now = () => performance.now() - t0;

  const progressEvery = options.progressEveryMs ?? 1_000;
  const progressWindow = options.progressWindowMs ?? 10_000;
  const report = () =>
    options.onProgress?.({
      elapsedMs: now(),
      sent: records.length - dropped,
      completed: completedInOrder.length,
      inflight: pending.size,
      dropped,
      failed,
      sendRatePerSecond: (records.length - dropped) / Math.max(now() / 1000, 1e-3),
      p99Ms: recentP99(completedInOrder, now(), progressWindow),
      windowMs: progressWindow,
    });
  const ticker = options.onProgress ? setInterval(report, progressEvery) : undefined;

  const fire = (scheduledMs: number, request: LoadRequest) => {
    const sentAt = now();
    const record: LoadRecord = {
      scheduledMs,
      sendLagMs: Math.max(0, sentAt - scheduledMs),
      latencyMs: Number.NaN,
      serviceMs: Number.NaN,
      status: 0,
      servedBy: null,
      variant: null,
      kind: request.kind,
      fraudLike: request.fraudLike,
      error: null,
      dropped: false,
    };
    records.push(record);
    if (pending.size >= maxInflight) {
      record.dropped = true;
      record.error = `dropped: ${maxInflight} requests already in flight (raise maxInflight or lower the rate)`;
      dropped++;
      return;
    }
    const done = sendPredict(pool, path, predictBody(request), stop.signal).then((answer) => {
      const end = now();
      record.latencyMs = end - scheduledMs;
      record.serviceMs = end - sentAt;
      record.status = answer.status;
      record.servedBy = answer.servedBy;
      record.variant = answer.variant;
      record.error = answer.error;
      if (!isGood(record)) failed++;
      completedInOrder.push(record);
      pending.delete(done);
    });
    pending.add(done);
  };

  let aborted = false;
  try {
    for (let i = 0; i < planned; ) {
      if (stop.signal.aborted) {
        aborted = true;
        break;
      }
      const elapsed = now();
      // Send everything that is due now, without waiting for answers: that is the open model.
      while (i < planned && i * intervalMs <= elapsed) {
        fire(i * intervalMs, options.next());
        i++;
      }
      if (i < planned) await sleep(Math.max(0, i * intervalMs - now()));
    }
    // Every request has its own timeout, so this wait is bounded by timeoutMs; the cap is a belt.
    const cap = new AbortController();
    await Promise.race([
      Promise.all(pending),
      sleep(timeoutMs + 1_000, undefined, { signal: cap.signal }).catch(() => undefined),
    ]);
    cap.abort();
  } finally {
    if (ticker) clearInterval(ticker);
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
    await Promise.allSettled(pending);
    await pool.close().catch(() => undefined);
  }
  if (options.onProgress) report();
  const sent = records.length - dropped;
  return {
    startedAtEpochMs,
    ratePerSecond: options.ratePerSecond,
    plannedRequests: planned,
    sent,
    dropped,
    achievedRatePerSecond: achievedRate(records),
    elapsedMs: now(),
    aborted,
    records,
  };
}

/** Arrival rate as it happened (actual send times), not as planned. */
function achievedRate(records: readonly LoadRecord[]): number {
  if (records.length < 2) return Number.NaN;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    const sentMs = r.scheduledMs + r.sendLagMs;
    if (sentMs < first) first = sentMs;
    if (sentMs > last) last = sentMs;
  }
  return last > first ? ((records.length - 1) * 1000) / (last - first) : Number.NaN;
}
