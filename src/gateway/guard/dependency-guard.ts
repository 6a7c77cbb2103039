import { CircuitState, circuitBreaker, handleAll, SamplingBreaker } from 'cockatiel';
import { type GatewayLog, SILENT_LOG } from '../log.ts';

export interface DependencyGuardOptions {
  /** Named in log lines: "prediction cache", "feature store". */
  name: string;
  timeoutMs: number;
  /** Share of failed calls over the sampling window that opens the breaker (default 0.9). */
  failureShareToOpen?: number;
  /** The sampling window (default 2 s). */
  samplingMs?: number;
  /** Below this many calls per second the breaker never opens (default 5): each call just pays its timeout. */
  minimumRps?: number;
  /** How long an open breaker refuses before letting one call through (default 2 s). */
  halfOpenAfterMs?: number;
  log?: GatewayLog;
}

/**
 * For a dependency that is an optimisation, never a requirement (the prediction cache, the
 * online feature store): every call is bounded by a timeout that abandons the call (a frozen
 * Redis never answers), and a breaker refuses at once when nearly every call of the last
 * seconds failed, so a dead Redis costs a request at most `timeoutMs`, then nothing while it
 * is open. Callers turn a refusal into their fallback (a miss, default features).
 * The breaker samples a failure share rather than counting consecutive failures: on a busy
 * two-core host a Redis descheduled for 20 ms times out every call in flight at once, and
 * five in a row used to switch the cache off for 2 s, so Triton took the extra misses, got
 * slower, and the host got busier (measured in the game day: the cache share of answers fell
 * from 0.33 to 0.1 while a chaos load ran). A frozen Redis fails every call and still opens it.
 */
export class DependencyGuard {
  private readonly breaker;
  private readonly timeoutMs: number;

  constructor(options: DependencyGuardOptions) {
    const log = options.log ?? SILENT_LOG;
    const halfOpenAfter = options.halfOpenAfterMs ?? 2_000;
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter,
      breaker: new SamplingBreaker({
        threshold: options.failureShareToOpen ?? 0.9,
        duration: options.samplingMs ?? 2_000,
        minimumRps: options.minimumRps ?? 5,
      }),
    });
    this.timeoutMs = options.timeoutMs;
    const dependency = options.name;
    this.breaker.onBreak(() =>
      log.warn({ dependency, retry_after_ms: halfOpenAfter }, `${dependency}: breaker opened, calls skipped`),
    );
    this.breaker.onHalfOpen(() => log.info({ dependency }, `${dependency}: breaker half-open, trying one call`));
    this.breaker.onReset(() => log.info({ dependency }, `${dependency}: breaker closed, calls resumed`));
  }

  get open(): boolean {
    return this.breaker.state === CircuitState.Open;
  }

  /** Runs `call` under the timeout and the breaker; rejects on timeout, failure or an open breaker. */
  execute<T>(call: () => Promise<T>): Promise<T> {
    // The breaker outside the timeout: a frozen Redis never settles a call, so only a timeout
    // the breaker can see counts it as a failure (inside-out, the breaker never opened).
    return this.breaker.execute(() => settleWithin(call, this.timeoutMs));
  }
}

export class DependencyTimeoutError extends Error {
  override readonly name = 'DependencyTimeoutError';
}

/**
 * `call`'s result, or a DependencyTimeoutError once `timeoutMs` have passed without one.
 * The timeout judges the dependency, not our own event loop: when the loop is busy (a
 * saturated gateway lags tens of ms), the timer and an already-arrived reply are due in the
 * same turn, and Node runs timers before it reads sockets, so a plain timeout would blame
 * Redis for our lag; with five in a row the breaker would switch the cache off under load,
 * exactly when it saves most. The expiry therefore waits one turn (setImmediate runs after
 * the poll phase): a reply already on the socket is read first, a frozen Redis still times out.
 */
export function settleWithin<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (settled) return;
          settled = true;
          reject(new DependencyTimeoutError(`no answer within ${timeoutMs} ms`));
        }),
      timeoutMs,
    );
    call().then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
