import { cpuAllowanceCores } from './cpu-allowance.ts';

/**
 * The gateway's own event-loop lag, from one timer that should fire every `tickMs`: how late
 * each tick is, is how long the loop was blocked. Two uses:
 *
 * - admission: at the end of every window (`windowMs`) the worst tick delay of the window goes
 *   to `onWindow` (the door: its LagShedder) with the CPU the process used over the window as a
 *   share of what it may use (cpu-allowance.ts): near 1, the lag is the gateway's own doing;
 *   well below, the host is giving the CPU to others (event-loop utilization cannot tell them
 *   apart: a loop descheduled mid-callback counts as busy, which made the shedder throw away
 *   requests whenever the load generator and Triton took the shared cores);
 * - fair timing of upstream calls: `stalledMs()` is a running total of blocked time. A call's
 *   latency minus the stall during it is what the upstream took (its answer sat in the socket
 *   while the loop was busy), so breakers and the concurrency limit judge the upstream, not
 *   the gateway's own backlog.
 */
export class EventLoopLag {
  private readonly ticker: NodeJS.Timeout;
  private stall = 0;
  private lastTick = performance.now();
  private windowStart = this.lastTick;
  private windowMax = 0;
  private last = 0;
  private readonly tickMs: number;

  private readonly cpuUsage: () => NodeJS.CpuUsage;
  private cpu: NodeJS.CpuUsage;
  private readonly allowanceCores: number;

  constructor(
    options: {
      windowMs?: number;
      tickMs?: number;
      onWindow?: (lagMs: number, utilization: number) => void;
      /** Cores the process may use (default: its cgroup's CPU limit, at most 1). */
      allowanceCores?: number;
      /** The process's CPU clock (default `process.cpuUsage`; tests give the host's share). */
      cpuUsage?: () => NodeJS.CpuUsage;
    } = {},
  ) {
    const windowMs = options.windowMs ?? 100;
    this.cpuUsage = options.cpuUsage ?? (() => process.cpuUsage());
    this.cpu = this.cpuUsage();
    this.allowanceCores = options.allowanceCores ?? cpuAllowanceCores();
    this.tickMs = options.tickMs ?? 5;
    const onWindow = options.onWindow;
    this.ticker = setInterval(() => {
      const now = performance.now();
      const late = now - this.lastTick - this.tickMs;
      if (late > 0) {
        this.stall += late;
        if (late > this.windowMax) this.windowMax = late;
      }
      this.lastTick = now;
      if (now - this.windowStart >= windowMs) {
        const cpu = this.cpuUsage();
        const usedMs = (cpu.user - this.cpu.user + cpu.system - this.cpu.system) / 1000;
        this.cpu = cpu;
        const utilization = Math.min(1, usedMs / (now - this.windowStart) / this.allowanceCores);
        this.last = this.windowMax;
        this.windowMax = 0;
        this.windowStart = now;
        onWindow?.(this.last, utilization);
      }
    }, this.tickMs);
    this.ticker.unref();
  }

  /** The worst loop delay of the last complete window, in ms. */
  get lastWindowMs(): number {
    return this.last;
  }

  /** Total time the loop has been blocked since start, in ms, including the block in progress. */
  stalledMs(): number {
    const late = performance.now() - this.lastTick - this.tickMs;
    return this.stall + Math.max(late, 0);
  }

  close(): void {
    clearInterval(this.ticker);
  }
}

/** For tests and one-off tools: no lag, no stall. */
export const NO_LAG = { stalledMs: () => 0, close: () => undefined } as const;
export type LagSource = Pick<EventLoopLag, 'stalledMs' | 'close'>;
