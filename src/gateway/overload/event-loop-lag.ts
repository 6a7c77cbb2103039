import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The gateway's own event-loop lag, for two decisions:
 *
 * - admission: while the recent p99 lag is above a bound, new inference requests are shed
 *   (a saturated loop makes every request late, cache hits included; more work only adds
 *   lag). Read from perf_hooks' monitorEventLoopDelay, one window per `windowMs`.
 * - fair timing of upstream calls: `stalledMs()` is a running total of how long the loop was
 *   blocked. A call's latency minus the stall during it is what the upstream took (the answer
 *   sat in the socket while the loop was busy), so breakers and the concurrency limit judge
 *   the upstream, not the gateway's own backlog.
 */
export class EventLoopLag {
  private readonly histogram: ReturnType<typeof monitorEventLoopDelay>;
  private readonly window: NodeJS.Timeout;
  private readonly ticker: NodeJS.Timeout;
  private p99 = 0;
  private stall = 0;
  private lastTick = performance.now();
  private readonly tickMs: number;

  constructor(options: { windowMs?: number; tickMs?: number } = {}) {
    const windowMs = options.windowMs ?? 500;
    this.tickMs = options.tickMs ?? 5;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.window = setInterval(() => {
      // Nanoseconds; NaN-free: an empty window reads 0.
      this.p99 = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
      this.histogram.reset();
    }, windowMs);
    this.window.unref();
    this.ticker = setInterval(() => {
      const now = performance.now();
      const late = now - this.lastTick - this.tickMs;
      if (late > 0) this.stall += late;
      this.lastTick = now;
    }, this.tickMs);
    this.ticker.unref();
  }

  /** p99 event-loop delay of the last complete window, in ms. */
  get p99Ms(): number {
    return this.p99;
  }

  /** Total time the loop has been blocked since start, in ms, including the block in progress. */
  stalledMs(): number {
    const late = performance.now() - this.lastTick - this.tickMs;
    return this.stall + Math.max(late, 0);
  }

  close(): void {
    clearInterval(this.window);
    clearInterval(this.ticker);
    this.histogram.disable();
  }
}

/** For tests and one-off tools: no lag, no stall. */
export const NO_LAG = { p99Ms: 0, stalledMs: () => 0, close: () => undefined } as const;
export type LagSource = Pick<EventLoopLag, 'p99Ms' | 'stalledMs' | 'close'>;
