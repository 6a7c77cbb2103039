/**
 * An adaptive concurrency limit for one upstream: AIMD on upstream latency, as Netflix's
 * concurrency-limits `AIMDLimit` and TCP congestion control do. The limit grows by one
 * while calls come back fast and the limit is actually in use (at least half of it in
 * flight), and shrinks by `backoff` when a call comes back slower than `latencyTargetMs` or
 * fails as an overloaded upstream would (timeout, refused, 5xx). Requests beyond the limit are
 * refused at once, so the excess is shed in microseconds instead of queueing in front of a
 * saturated model until every answer misses the SLO (Little's law: the queue is the latency).
 * As TCP reduces its window at most once per round trip, the limit shrinks at most once per
 * `latencyTargetMs`: a burst of slow answers is one congestion event, not fifty, so a noisy
 * machine's tail does not collapse the limit to its floor.
 *
 * Pure: no clock, no I/O. The caller measures the latency, says how the call ended and when.
 */
export interface AdaptiveLimitSettings {
  initial: number;
  min: number;
  max: number;
  /** A call slower than this is a congestion signal. */
  latencyTargetMs: number;
  /** Multiplicative decrease on a congestion signal, in (0, 1). */
  backoff: number;
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
  if (!(s.latencyTargetMs > 0)) problems.push(`latencyTarget must be longer than 0, got ${s.latencyTargetMs} ms`);
  if (!(s.backoff > 0 && s.backoff < 1)) problems.push(`backoff must be in (0, 1), got ${s.backoff}`);
  return problems;
}

export class AdaptiveLimit {
  private readonly s: AdaptiveLimitSettings;
  private current: number;
  private active = 0;
  private lastDecreaseMs = Number.NEGATIVE_INFINITY;

  constructor(settings: AdaptiveLimitSettings) {
    const problems = adaptiveLimitProblems(settings);
    if (problems.length > 0) throw new RangeError(`adaptive concurrency limit: ${problems.join('; ')}`);
    this.s = settings;
    this.current = settings.initial;
  }

  /** The limit now (calls allowed in flight at once). */
  get limit(): number {
    return Math.floor(this.current);
  }

  get inflight(): number {
    return this.active;
  }

  /** Admits one call (true) or refuses it (false): refusal is the shed. */
  tryAcquire(): boolean {
    if (this.active >= Math.floor(this.current)) return false;
    this.active++;
    return true;
  }

  /** Ends an admitted call (at `nowMs`, any monotonic clock) and adjusts the limit from its latency and outcome. */
  release(latencyMs: number, outcome: CallOutcome, nowMs: number): void {
    const inflightDuringCall = this.active;
    this.active = Math.max(0, this.active - 1);
    if (outcome === 'ignore') return;
    if (outcome === 'dropped' || latencyMs > this.s.latencyTargetMs) {
      if (nowMs - this.lastDecreaseMs >= this.s.latencyTargetMs) {
        this.current = Math.max(this.s.min, this.current * this.s.backoff);
        this.lastDecreaseMs = nowMs;
      }
    } else if (inflightDuringCall * 2 >= this.current) {
      // Grow only while the limit is what holds traffic back; an idle upstream's limit stays put.
      this.current = Math.min(this.s.max, this.current + 1);
    }
  }
}
