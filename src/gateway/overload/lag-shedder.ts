/**
 * Event-loop-lag admission that sheds only the excess. Every window, the gateway's loop lag
 * (the worst tick delay of the window) is compared with a target; the shed share is an
 * integral controller on that error:
 *
 * - above the target, the share rises in proportion to how far the lag exceeds it
 *   (`gain` x (lag / target - 1), at most +`gain` per window), up to `maxShare`;
 * - below `target x release` (hysteresis), it falls by `release` of itself per window plus a
 *   small step, so it reaches zero once the loop has room again;
 * - in between it holds: the share that keeps the lag near its target is where it settles.
 *
 * Lag alone also rises when the host, not the gateway, is short of CPU (other processes on
 * the same cores): shedding then only throws requests away. So the share rises only while the
 * gateway also uses the CPU it may (process CPU over the window / its allowance, the pod's CPU
 * limit or one core: >= `busy`, default 0.9; a pod throttled at its limit counts as busy), and
 * falls while it clearly does not (utilization < busy - 0.15).
 *
 * Shedding requests frees the loop only when the requests are what fills it: the share starts
 * rising only in a window with at least `minRequestsToEngage` inference requests (50 in 100 ms,
 * about 500 a second; at a few hundred microseconds each, less is a small part of a core). A
 * lagging loop at 20 req/s is busy with something else (a GC, a synchronous job, a test
 * harness sharing the process), and shedding a tenth of those requests only fails them: the
 * chaos CronJob test's in-process gateway shed one of its 20 req/s that way.
 *
 * The previous design mapped the lag to a share directly (lag / bound - 1): at 5x load the lag
 * stayed high because each shed request still went through the whole HTTP framework, the
 * share hit 100% and goodput went to zero. An integral share settles where the loop is just
 * busy enough, and it is applied deterministically (an accumulator, not a coin per request),
 * so exactly that share of arrivals is refused.
 *
 * Pure: the caller feeds one lag reading per window and asks `admit()` per request.
 */
export interface LagShedderSettings {
  /** The lag the controller steers to, in ms. */
  targetMs: number;
  /** Share increase per window per unit of relative excess (lag / target - 1), capped at 1 unit. */
  gain?: number;
  /** Below target x this, the share decays (hysteresis band between this and the target). */
  release?: number;
  /** Never shed more than this share: some requests always reach the model, or goodput is zero. */
  maxShare?: number;
  /** CPU used / CPU allowed at or above which the lag is the gateway's own doing. */
  busy?: number;
  /** Inference requests a window needs before shedding starts (once shedding, any window counts). */
  minRequestsToEngage?: number;
}

export class LagShedder {
  private readonly targetMs: number;
  private readonly gain: number;
  private readonly release: number;
  private readonly maxShare: number;
  private readonly busy: number;
  private readonly minRequestsToEngage: number;
  private shareNow = 0;
  private accumulator = 0;
  private lastLagMs = 0;

  constructor(settings: LagShedderSettings) {
    if (!(settings.targetMs > 0))
      throw new RangeError(`event-loop lag target must be > 0 ms, got ${settings.targetMs}`);
    this.targetMs = settings.targetMs;
    this.gain = settings.gain ?? 0.1;
    this.release = settings.release ?? 0.5;
    this.maxShare = settings.maxShare ?? 0.95;
    this.busy = settings.busy ?? 0.9;
    this.minRequestsToEngage = settings.minRequestsToEngage ?? 50;
  }

  /** The share of inference requests refused now, in [0, maxShare]. */
  get share(): number {
    return this.shareNow;
  }

  get lagMs(): number {
    return this.lastLagMs;
  }

  /**
   * One window's lag reading (ms), the CPU the gateway used over it as a share of its allowance
   * (0..1; 1 when unknown) and the inference requests that arrived in it (unknown: enough).
   */
  update(lagMs: number, utilization = 1, requests = Number.POSITIVE_INFINITY): void {
    this.lastLagMs = lagMs;
    const requestsFillTheLoop = this.shareNow > 0 || requests >= this.minRequestsToEngage;
    if (lagMs > this.targetMs && utilization >= this.busy && requestsFillTheLoop) {
      const excess = Math.min(1, lagMs / this.targetMs - 1);
      this.shareNow = Math.min(this.maxShare, this.shareNow + this.gain * excess);
    } else if (lagMs < this.targetMs * this.release || utilization < this.busy - 0.15) {
      this.shareNow = Math.max(0, this.shareNow * (1 - this.release * this.gain) - this.gain / 10);
    }
  }

  /** True = serve this request; false = shed it. Exactly `share` of calls are refused, evenly spread. */
  admit(): boolean {
    if (this.shareNow <= 0) return true;
    this.accumulator += this.shareNow;
    if (this.accumulator >= 1) {
      this.accumulator -= 1;
      return false;
    }
    return true;
  }
}
