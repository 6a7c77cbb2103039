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
 * wrk2 work this way. One driver serves the game day, the benches, the tests and the chaos
 * engine's built-in load.
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
  /** Path of the prediction endpoint (default /v1/predict; the chaos load uses /v1/models/{model}/predict). */
  path?: string;
  /**
   * How a request becomes the POST body (default predictBody: the /v1/predict JSON). The
   * gateway bench sends KServe bodies, so Triton direct, nginx and the gateway see the same
   * client and the same bytes.
   */
  encode?: (request: LoadRequest) => string;
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

/** Sanity bounds of a run; a bench that derives its rate from a measurement caps it at these. */
export const OPEN_LOAD_LIMITS = { ratePerSecond: 20_000, durationMs: 3_600_000, maxRequests: 2_000_000 };
const LIMITS = OPEN_LOAD_LIMITS;

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
  const planned = Math.min(
    options.maxRequests ?? Number.POSITIVE_INFINITY,
    LIMITS.maxRequests,
    Math.max(1, Math.floor((options.durationMs * options.ratePerSecond) / 1000)),
  );
  const load = new OpenLoad({ ...options, maxRequests: planned });
  const onAbort = () => load.halt();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    load.start();
    await load.scheduled();
    // Every request has its own timeout, so this wait is bounded by timeoutMs; the cap is a belt.
    return await load.stop((options.timeoutMs ?? 5_000) + 1_000);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Options of a load that runs until stopped (the chaos engine's built-in load). */
export type OpenLoadDriverOptions = Omit<OpenLoadOptions, 'durationMs' | 'signal'>;

interface Stream {
  ratePerSecond: number;
  next: () => LoadRequest;
  planned: number;
  done: Promise<void>;
}

/**
 * The one open-model load driver: a base stream of arrivals at a fixed rate, plus an
 * optional extra stream (a burst on the hot keys) that can start and stop while it runs.
 * Never queues: beyond `maxInflight` an arrival is dropped and recorded. `runOpenLoad` is
 * the fixed-duration run of it (game day, benches, tests); the chaos engine starts it and
 * stops it around an experiment.
 */
export class OpenLoad {
  private readonly options: OpenLoadDriverOptions;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly timeoutMs: number;
  private readonly maxInflight: number;
  /** Aborts when the schedule must end (stop, or the caller's signal). */
  private readonly halted = new AbortController();
  /** Aborts the requests still open when the drain after stop() has run out. */
  private readonly cutOff = new AbortController();
  private readonly records: LoadRecord[] = [];
  private readonly completedInOrder: LoadRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  private failed = 0;
  private dropped = 0;
  private startedAtEpochMs = 0;
  private t0 = 0;
  private base: Stream | undefined;
  private extra: { stream: Stream; stop: AbortController } | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  constructor(options: OpenLoadDriverOptions) {
    const origin = assertLoopbackUrl(options.url);
    this.options = options;
    this.path = options.path ?? '/v1/predict';
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxInflight = options.maxInflight ?? 4_096;
    this.pool = new Pool(origin, {
      connections: options.connections ?? 256,
      pipelining: 1,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  start(): this {
    this.startedAtEpochMs = Date.now();
    this.t0 = performance.now();
    this.base = this.stream(
      this.options.ratePerSecond,
      this.options.next,
      this.options.maxRequests ?? Number.POSITIVE_INFINITY,
      this.halted.signal,
    );
    if (this.options.onProgress) this.ticker = setInterval(() => this.report(), this.options.progressEveryMs ?? 1_000);
    return this;
  }

  /** Resolves when the base stream has sent its planned requests (never, without maxRequests), or was halted. */
  async scheduled(): Promise<void> {
    await this.base?.done;
  }

  /** An extra stream of arrivals on top of the base one (a burst); rate 0 ends it. */
  setExtra(ratePerSecond: number, next: () => LoadRequest): void {
    this.extra?.stop.abort();
    this.extra = undefined;
    if (ratePerSecond <= 0 || this.halted.signal.aborted) return;
    const stop = new AbortController();
    const both = AbortSignal.any([stop.signal, this.halted.signal]);
    this.extra = { stream: this.stream(ratePerSecond, next, Number.POSITIVE_INFINITY, both), stop };
  }

  /** Ends the schedule; requests in flight keep going until stop() drains them. */
  halt(): void {
    this.halted.abort();
  }

  /** Ends the schedule, waits up to `drainMs` for the answers in flight, then cuts the rest off. */
  async stop(drainMs = this.timeoutMs + 1_000): Promise<OpenLoadResult> {
    const aborted = this.halted.signal.aborted && this.records.length < (this.base?.planned ?? 0);
    this.halt();
    await Promise.allSettled([this.base?.done, this.extra?.stream.done]);
    const cap = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.pending]),
      sleep(drainMs, undefined, { signal: cap.signal }).catch(() => undefined),
    ]);
    cap.abort();
    if (this.ticker) clearInterval(this.ticker);
    this.cutOff.abort();
    await Promise.allSettled([...this.pending]);
    await this.pool.close().catch(() => undefined);
    if (this.options.onProgress) this.report();
    if (this.failure) throw new Error(`open load: the request source failed: ${this.failure.message}`);
    return {
      startedAtEpochMs: this.startedAtEpochMs,
      ratePerSecond: this.options.ratePerSecond,
      plannedRequests: Number.isFinite(this.base?.planned) ? (this.base?.planned as number) : this.records.length,
      sent: this.records.length - this.dropped,
      dropped: this.dropped,
      achievedRatePerSecond: achievedRate(this.records),
      elapsedMs: this.now(),
      aborted,
      records: this.records,
    };
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  private stream(ratePerSecond: number, next: () => LoadRequest, planned: number, signal: AbortSignal): Stream {
    const intervalMs = 1000 / ratePerSecond;
    const startMs = this.now();
    const run = async () => {
      for (let i = 0; i < planned; ) {
        if (signal.aborted) return;
        const elapsed = this.now();
        // Send everything that is due now, without waiting for answers: that is the open model.
        while (i < planned && startMs + i * intervalMs <= elapsed) {
          this.fire(startMs + i * intervalMs, next());
          i++;
        }
        if (i < planned) {
          const wait = Math.max(0, startMs + i * intervalMs - this.now());
          await sleep(wait, undefined, { signal }).catch(() => undefined);
        }
      }
    };
    // A stream that fails (its `next` threw) ends; stop() reports why.
    const done = run().catch((error: unknown) => {
      this.failure ??= error instanceof Error ? error : new Error(String(error));
    });
    return { ratePerSecond, next, planned, done };
  }

  private report(): void {
    const progressWindow = this.options.progressWindowMs ?? 10_000;
    const sent = this.records.length - this.dropped;
    this.options.onProgress?.({
      elapsedMs: this.now(),
      sent,
      completed: this.completedInOrder.length,
      inflight: this.pending.size,
      dropped: this.dropped,
      failed: this.failed,
      sendRatePerSecond: sent / Math.max(this.now() / 1000, 1e-3),
      p99Ms: recentP99(this.completedInOrder, this.now(), progressWindow),
      windowMs: progressWindow,
    });
  }

  private fire(scheduledMs: number, request: LoadRequest): void {
    const sentAt = this.now();
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
    this.records.push(record);
    if (this.pending.size >= this.maxInflight) {
      record.dropped = true;
      record.error = `dropped: ${this.maxInflight} requests already in flight (raise maxInflight or lower the rate)`;
      this.dropped++;
      return;
    }
    const body = (this.options.encode ?? predictBody)(request);
    const done = sendPredict(this.pool, this.path, body, this.cutOff.signal, request.requestId).then((answer) => {
      const end = this.now();
      record.latencyMs = end - scheduledMs;
      record.serviceMs = end - sentAt;
      record.status = answer.status;
      record.servedBy = answer.servedBy;
      record.variant = answer.variant;
      record.error = this.cutOff.signal.aborted && answer.status === 0 ? CUT_OFF : answer.error;
      if (!isGood(record)) this.failed++;
      this.completedInOrder.push(record);
      this.pending.delete(done);
    });
    this.pending.add(done);
  }
}

/** The error of a request still open when the driver stopped: neither answered nor failed by the server. */
export const CUT_OFF = 'cut off: the load stopped before the answer came';

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
