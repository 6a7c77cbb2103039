/**
 * An adaptive concurrency limit for one upstream: a gradient limit, as Envoy's adaptive
 * concurrency filter and Netflix concurrency-limits (Gradient2) do. There is no fixed latency
 * target. The limit compares the upstream's recent latency (the average of one sample window)
 * with its own unloaded latency (min RTT: the first window's average, then a short probe at
 * the minimum concurrency every `probeIntervalMs`, and lowered by any faster window):
 *
 *   gradient = clamp(max(tolerance x minRtt, latencyFloor) / windowAvg, 0.5, 2);
 *   limit = limit x gradient + sqrt(limit)
 *
 * (smoothed). While the upstream answers within `tolerance` of its own unloaded latency the
 * limit grows; once calls queue, the window average rises above that and the limit comes down
 * to what the upstream sustains. A model that is slow but healthy has a slow baseline, so its
 * limit stays where its throughput is instead of shrinking toward a target it can never meet
 * (the AIMD-on-40-ms design sent such traffic to the fallback). A long-window average as the
 * baseline (Gradient2) drifts up with sustained queueing until nothing shrinks the limit; the
 * periodic min-RTT probe (Envoy) is what keeps the baseline honest.
 *
 * The latency floor: a fast model (a few ms unloaded) only reaches its full throughput with a
 * short queue in front of each instance, which already doubles its latency; with tolerance
 * alone the limit settled there and the overload bench's device-bound model delivered 75% of
 * its capacity at 2x. Below the floor (a small part of the latency SLO) queueing is harmless,
 * so the limit does not shrink for it; a slow model's baseline is above the floor anyway.
 *
 * Requests beyond the limit are refused at once, so the excess is shed in microseconds instead
 * of waiting in front of a saturated model (Little's law: the queue is the latency). The limit
 * does not grow while it is not what holds traffic back (fewer than half of it in flight during
 * the window), and a dropped call (timeout, refused, 5xx) makes its window count as the most
 * congested one (gradient 0.5).
 *
 * Pure: no clock, no I/O. The caller measures each call's latency, says how it ended and when.
 */
export interface AdaptiveLimitSettings {
  initial: number;
  /** Also the concurrency of the min-RTT probe. */
  min: number;
  max: number;
  /** How far the recent latency may exceed the unloaded latency before the limit shrinks (Envoy: 1.25, Gradient2: 1.5-2). */
  tolerance: number;
  /** Latency (ms) below which a window never shrinks the limit, however fast the unloaded latency; 0 = none. */
  latencyFloorMs?: number;
  /** Weight of a new estimate against the current limit, in (0, 1]. */
  smoothing: number;
  /** A window closes after this long AND at least `windowSamples` calls. */
  windowMs: number;
  windowSamples: number;
  /** How often the unloaded latency is measured again (the limit is held at `min` for `probeSamples` calls or one window). */
  probeIntervalMs: number;
  probeSamples: number;
}

/** How a call ended, for the limit: `ignore` = says nothing about the upstream's load (a bad row, a 4xx). */
export type CallOutcome = 'success' | 'dropped' | 'ignore';

export function adaptiveLimitProblems(s: AdaptiveLimitSettings): string[] {
  const problems: string[] = [];
  if (!(Number.isInteger(s.min) && s.min >= 1)) problems.push(`min must be an integer >= 1, got ${s.min}`);
  if (!(Number.isInteger(s.max) && s.max >= s.min))
    problems.push(`max must be an integer >= min (${s.min}), got ${s.max}`);
  if (!(s.initial >= s.min && s.initial <= s.max))
    problems.push(`initial must be between min (${s.min}) and max (${s.max}), got ${s.initial}`);
  if (!(s.tolerance >= 1)) problems.push(`tolerance must be >= 1 (1 = no queueing allowed), got ${s.tolerance}`);
  if (s.latencyFloorMs !== undefined && !(s.latencyFloorMs >= 0))
    problems.push(`latencyFloor must be >= 0 ms, got ${s.latencyFloorMs}`);
  if (!(s.smoothing > 0 && s.smoothing <= 1)) problems.push(`smoothing must be in (0, 1], got ${s.smoothing}`);
  if (!(s.windowMs > 0)) problems.push(`window must be longer than 0, got ${s.windowMs} ms`);
  if (!(Number.isInteger(s.windowSamples) && s.windowSamples >= 1))
    problems.push(`windowSamples must be an integer >= 1, got ${s.windowSamples}`);
  if (!(s.probeIntervalMs > 0)) problems.push(`probeInterval must be longer than 0, got ${s.probeIntervalMs} ms`);
  if (!(Number.isInteger(s.probeSamples) && s.probeSamples >= 1))
    problems.push(`probeSamples must be an integer >= 1, got ${s.probeSamples}`);
  return problems;
}

export class AdaptiveLimit {
  private readonly s: AdaptiveLimitSettings;
  private current: number;
  private active = 0;
  // The open sample window.
  private windowStart = Number.NaN;
  private windowSum = 0;
  private windowCount = 0;
  private windowMaxInflight = 0;
  private windowDropped = false;
  // The unloaded latency and its probe.
  private minRtt = Number.NaN;
  private probing = false;
  private probeStart = 0;
  /** Calls admitted before the probe began: their latencies say nothing about the probe's concurrency. */
  private probeSkip = 0;
  private probe: number[] = [];
  private nextProbeAt = Number.NaN;
  private lastAvg = Number.NaN;

  constructor(settings: AdaptiveLimitSettings) {
    const problems = adaptiveLimitProblems(settings);
    if (problems.length > 0) throw new RangeError(`adaptive concurrency limit: ${problems.join('; ')}`);
    this.s = settings;
    this.current = settings.initial;
  }

  /** The limit now (calls allowed in flight at once); the probe's concurrency while it measures. */
  get limit(): number {
    return this.probing ? this.s.min : Math.floor(this.current);
  }

  get inflight(): number {
    return this.active;
  }

  /** The unloaded latency (ms, NaN until the first probe ends) and the last window's average. */
  get rtt(): { minMs: number; windowMs: number; probing: boolean } {
    return { minMs: this.minRtt, windowMs: this.lastAvg, probing: this.probing };
  }

  /** Admits one call (true) or refuses it (false): refusal is the shed. */
  tryAcquire(): boolean {
    if (this.active >= this.limit) return false;
    this.active++;
    if (this.active > this.windowMaxInflight) this.windowMaxInflight = this.active;
    return true;
  }

  /** Ends an admitted call (at `nowMs`, any monotonic clock) and learns from its latency and outcome. */
  release(latencyMs: number, outcome: CallOutcome, nowMs: number): void {
    this.active = Math.max(0, this.active - 1);
    if (this.probing) {
      if (this.probeSkip > 0) {
        this.probeSkip--;
        return;
      }
      if (outcome === 'success') this.probe.push(latencyMs);
      // Short either way: `probeSamples` calls, or one window with at least one call (a slow
      // upstream must not be held at the minimum for seconds).
      const enough =
        this.probe.length >= this.s.probeSamples ||
        (this.probe.length > 0 && nowMs - this.probeStart >= this.s.windowMs);
      if (enough) this.endProbe(nowMs);
      return;
    }
    if (outcome === 'ignore') return;
    if (Number.isNaN(this.nextProbeAt)) this.nextProbeAt = nowMs + this.s.probeIntervalMs;
    if (nowMs >= this.nextProbeAt) {
      this.startProbe(nowMs);
      return;
    }
    if (Number.isNaN(this.windowStart)) this.windowStart = nowMs;
    if (outcome === 'dropped') this.windowDropped = true;
    else {
      this.windowSum += latencyMs;
      this.windowCount++;
    }
    const closes =
      nowMs - this.windowStart >= this.s.windowMs && (this.windowCount >= this.s.windowSamples || this.windowDropped);
    if (closes) this.closeWindow(nowMs);
  }

  private startProbe(nowMs: number): void {
    this.probing = true;
    this.probeStart = nowMs;
    this.probe = [];
    this.probeSkip = this.active;
  }

  private endProbe(nowMs: number): void {
    const sorted = this.probe.sort((a, b) => a - b);
    // The median: one stalled call must not set the baseline.
    this.minRtt = sorted[Math.floor(sorted.length / 2)] as number;
    this.probing = false;
    this.nextProbeAt = nowMs + this.s.probeIntervalMs;
    this.resetWindow(nowMs);
  }

  private resetWindow(nowMs: number): void {
    this.windowStart = nowMs;
    this.windowSum = 0;
    this.windowCount = 0;
    this.windowDropped = false;
    this.windowMaxInflight = this.active;
  }

  private closeWindow(nowMs: number): void {
    const dropped = this.windowDropped;
    const avg = this.windowCount > 0 ? this.windowSum / this.windowCount : Number.NaN;
    const maxInflight = this.windowMaxInflight;
    this.resetWindow(nowMs);
    this.lastAvg = avg;
    // The first window (at the initial limit, before any queue has built) is the first baseline.
    if (avg < this.minRtt || (Number.isNaN(this.minRtt) && !Number.isNaN(avg))) this.minRtt = avg;
    if (Number.isNaN(this.minRtt)) return;
    const target = Math.max(this.s.tolerance * this.minRtt, this.s.latencyFloorMs ?? 0);
    const gradient = dropped ? 0.5 : Math.max(0.5, Math.min(2, target / avg));
    // App-limited: the limit is not what holds traffic back, so a fast window says nothing about raising it.
    if (gradient >= 1 && maxInflight < this.current / 2) return;
    const estimate = this.current * gradient + Math.sqrt(this.current);
    const next = this.current * (1 - this.s.smoothing) + estimate * this.s.smoothing;
    this.current = Math.max(this.s.min, Math.min(this.s.max, next));
  }
}
