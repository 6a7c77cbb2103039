import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, TimeoutStrategy, timeout, wrap } from 'cockatiel';
import { type GatewayLog, SILENT_LOG } from '../log.ts';

export interface DependencyGuardOptions {
  /** Named in log lines: "prediction cache", "feature store". */
  name: string;
  timeoutMs: number;
  /** Consecutive failures that open the breaker (default 5). */
  failuresToOpen?: number;
  /** How long an open breaker refuses before letting one call through (default 2 s). */
  halfOpenAfterMs?: number;
  log?: GatewayLog;
}

/**
 * For a dependency that is an optimisation, never a requirement (the prediction cache, the
 * online feature store): every call is bounded by a timeout that abandons the call (a frozen
 * Redis never answers), and a breaker opened by consecutive failures refuses at once, so a
 * slow or dead Redis costs a request at most `timeoutMs`, then nothing while it is open.
 * Callers turn a refusal into their fallback (a miss, default features).
 */
export class DependencyGuard {
  private readonly breaker;
  private readonly policy;

  constructor(options: DependencyGuardOptions) {
    const log = options.log ?? SILENT_LOG;
    const halfOpenAfter = options.halfOpenAfterMs ?? 2_000;
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter,
      breaker: new ConsecutiveBreaker(options.failuresToOpen ?? 5),
    });
    // The breaker outside the timeout: a frozen Redis never settles a call, so only a timeout
    // the breaker can see counts it as a failure (inside-out, the breaker never opened).
    this.policy = wrap(this.breaker, timeout(options.timeoutMs, TimeoutStrategy.Aggressive));
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
    return this.policy.execute(call);
  }
}
