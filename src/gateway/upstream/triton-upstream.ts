import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  handleWhen,
  type IFailureEvent,
  SamplingBreaker,
} from 'cockatiel';
import type { TritonClient } from '../../adapters/triton/client.ts';
import { TritonError } from '../../adapters/triton/errors.ts';
import type { GatewayLog } from '../log.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { AdaptiveLimit, type AdaptiveLimitSettings, type CallOutcome } from '../overload/adaptive-limit.ts';
import { type LagSource, NO_LAG } from '../overload/event-loop-lag.ts';
import type { FaultInjector } from './faults.ts';
import { type ConcurrencyNow, type Upstream, UpstreamError } from './upstream.ts';

export interface BreakerSettings {
  failureRatio: number;
  windowMs: number;
  minimumRps: number;
  halfOpenAfterMs: number;
  slowCallMs: number;
}

const STATE_NAMES = ['closed', 'half-open', 'open'] as const;

interface CallResult {
  scores: number[];
  /** The call's latency minus the gateway's own event-loop stalls during it. */
  upstreamMs: number;
}

/** What a failure says about the upstream's load, for the adaptive limit. */
function outcomeOf(reason: UpstreamError['reason']): CallOutcome {
  switch (reason) {
    case 'timeout':
    case 'unavailable':
    case 'http_5xx':
    case 'network':
    case 'injected':
      return 'dropped';
    default:
      // circuit_open (no call was made), non_finite and http_4xx (the rows' fault), overloaded.
      return 'ignore';
  }
}

/** The breaker counts what is the upstream's fault; a row that makes the model answer NaN is the caller's. */
const upstreamsFault = handleWhen((error) => !(error instanceof UpstreamError && error.reason === 'non_finite'));

/**
 * Calls one Triton model for one (logical model, variant), with the fault injector in front,
 * an adaptive concurrency limit (calls beyond it are refused at once: `overloaded`) and a
 * circuit breaker that trips on the error rate AND on slow calls (latency, not readiness: a
 * "ready" Triton with a broken GPU still fails or stalls, server#3627). "Slow" is the
 * upstream's time: the gateway's own event-loop stalls during the call are taken out, so a
 * saturated gateway does not open the breakers of a healthy model. Non-finite scores are
 * counted apart (`non_finite`) and never open the breaker: one client's rows cannot push
 * every user of the variant to the fallback.
 */
export class TritonUpstream implements Upstream {
  readonly model: string;
  readonly variant: string;
  readonly tritonModel: string;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly client: TritonClient;
  private readonly faults: FaultInjector;
  private readonly metrics: GatewayMetrics;
  private readonly inputName: string;
  private readonly lag: LagSource;
  /** Undefined = no adaptive limit (tools, tests of other parts). */
  readonly limit: AdaptiveLimit | undefined;

  constructor(opts: {
    model: string;
    variant: string;
    tritonModel: string;
    inputName: string;
    client: TritonClient;
    faults: FaultInjector;
    metrics: GatewayMetrics;
    breaker: BreakerSettings;
    log?: GatewayLog;
    concurrency?: AdaptiveLimitSettings;
    lag?: LagSource;
  }) {
    this.model = opts.model;
    this.variant = opts.variant;
    this.tritonModel = opts.tritonModel;
    this.client = opts.client;
    this.faults = opts.faults;
    this.metrics = opts.metrics;
    this.inputName = opts.inputName;
    this.lag = opts.lag ?? NO_LAG;
    this.limit = opts.concurrency ? new AdaptiveLimit(opts.concurrency) : undefined;
    const slow = opts.breaker.slowCallMs;
    this.breaker = circuitBreaker(
      upstreamsFault.orWhenResult((r) => (r as CallResult).upstreamMs > slow),
      {
        halfOpenAfter: opts.breaker.halfOpenAfterMs,
        breaker: new SamplingBreaker({
          threshold: opts.breaker.failureRatio,
          duration: opts.breaker.windowMs,
          minimumRps: opts.breaker.minimumRps,
        }),
      },
    );
    this.metrics.circuitState.set({ model: this.model, variant: this.variant }, 0);
    // The failure that tipped the breaker, for the log line: "opened" alone sends the on-call
    // hunting through metrics for which kind of failure it was.
    // Kept raw and described only when the breaker opens: failures come at the request rate in
    // an outage, openings a few times.
    let lastFailure: IFailureEvent | undefined;
    this.breaker.onFailure((failure) => {
      lastFailure = failure;
    });
    const describe = (failure: IFailureEvent | undefined): string => {
      if (!failure) return '';
      const { duration, reason } = failure;
      if (!('error' in reason))
        return `a slow call (${Math.round((reason.value as CallResult).upstreamMs)} ms) after ${Math.round(duration)} ms`;
      const error = classify(reason.error, this.tritonModel);
      return `${error.reason}: ${error.message} after ${Math.round(duration)} ms`;
    };
    this.breaker.onStateChange((state) => {
      const value =
        state === CircuitState.Open || state === CircuitState.Isolated ? 2 : state === CircuitState.HalfOpen ? 1 : 0;
      this.metrics.circuitState.set({ model: this.model, variant: this.variant }, value);
      const fields = {
        model: this.model,
        variant: this.variant,
        triton_model: this.tritonModel,
        circuit: STATE_NAMES[value],
      };
      if (value === 2) {
        const last = describe(lastFailure);
        opts.log?.warn(
          { ...fields, last_failure: last },
          `${this.model}/${this.variant}: circuit opened (last failure: ${last}), calls go to the fallback tiers`,
        );
      } else opts.log?.info(fields, `${this.model}/${this.variant}: circuit ${STATE_NAMES[value]}`);
    });
  }

  get circuitOpen(): boolean {
    return this.breaker.state === CircuitState.Open || this.breaker.state === CircuitState.Isolated;
  }

  /** Scores `rows`, or throws UpstreamError. `timeoutMs` bounds the whole call including injected latency. */
  async infer(rows: number[][], timeoutMs: number): Promise<number[]> {
    const labels = { model: this.model, variant: this.variant };
    const limit = this.limit;
    if (limit && !limit.tryAcquire()) {
      this.metrics.upstreamErrors.inc({ ...labels, reason: 'overloaded' });
      throw new UpstreamError(
        'overloaded',
        `${this.model}/${this.variant}: ${limit.inflight} calls already in flight to ${this.tritonModel}, its adaptive limit; shed`,
      );
    }
    const start = performance.now();
    const stallAtStart = this.lag.stalledMs();
    let outcome: CallOutcome = 'success';
    try {
      const result = await this.breaker.execute(() => this.call(rows, timeoutMs));
      return result.scores;
    } catch (error) {
      const upstream = classify(error, this.tritonModel);
      outcome = outcomeOf(upstream.reason);
      this.metrics.upstreamErrors.inc({ ...labels, reason: upstream.reason });
      throw upstream;
    } finally {
      limit?.release(this.upstreamMsSince(start, stallAtStart), outcome, performance.now());
    }
  }

  concurrency(): ConcurrencyNow | undefined {
    return this.limit ? { limit: this.limit.limit, inflight: this.limit.inflight } : undefined;
  }

  /** Time since `start` minus the event-loop stall since then: what the upstream took. */
  private upstreamMsSince(start: number, stallAtStart: number): number {
    return Math.max(0, performance.now() - start - (this.lag.stalledMs() - stallAtStart));
  }

  private async call(rows: number[][], timeoutMs: number): Promise<CallResult> {
    const start = performance.now();
    const stallAtStart = this.lag.stalledMs();
    // A timer cleared when the call ends, not AbortSignal.timeout: that one cannot be cleared,
    // so every finished call's timer still fired later and built a TimeoutError (DOMException
    // with a stack), about 1% of the gateway's CPU on the cache-miss path.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      Math.max(1, Math.floor(timeoutMs)),
    );
    try {
      return await this.callWithin(rows, deadline.signal, start, stallAtStart);
    } finally {
      clearTimeout(timer);
    }
  }

  private async callWithin(
    rows: number[][],
    signal: AbortSignal,
    start: number,
    stallAtStart: number,
  ): Promise<CallResult> {
    const fault = this.faults.decide(this.model, this.variant);
    if (fault?.kind === 'latency') await abortableSleep(fault.latencyMs, signal);
    if (fault?.kind === 'error')
      throw new UpstreamError('injected', `injected error for ${this.model}/${this.variant}`);
    if (fault?.kind === 'reset')
      throw new UpstreamError('network', `injected connection reset for ${this.model}/${this.variant}`);
    const width = rows[0]?.length ?? 0;
    const res = await this.client.infer(
      this.tritonModel,
      { inputs: [{ name: this.inputName, shape: [rows.length, width], datatype: 'FP32', data: rows.flat() }] },
      { signal },
    );
    const scores = res.outputs[0]?.data;
    if (!scores || scores.length !== rows.length) {
      throw new UpstreamError(
        'http_5xx',
        `${this.tritonModel} returned ${JSON.stringify(res.outputs).slice(0, 200)}; expected ${rows.length} scores`,
      );
    }
    if (!scores.every((s) => Number.isFinite(s))) {
      throw new UpstreamError(
        'non_finite',
        `${this.tritonModel} returned a non-finite score for these rows (${JSON.stringify(scores).slice(0, 120)}); the rows are out of what the model handles`,
      );
    }
    const elapsedMs = performance.now() - start;
    this.metrics.upstreamDurationTally.observe(elapsedMs / 1000, this.model, this.variant);
    return { scores, upstreamMs: this.upstreamMsSince(start, stallAtStart) };
  }
}

function classify(error: unknown, tritonModel: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof BrokenCircuitError)
    return new UpstreamError('circuit_open', `circuit open for ${tritonModel}`, error);
  if (error instanceof TritonError) {
    if (error.kind === 'timeout') return new UpstreamError('timeout', error.message, error);
    if (error.kind === 'network') {
      return new UpstreamError(/ECONNREFUSED/.test(error.message) ? 'unavailable' : 'network', error.message, error);
    }
    return new UpstreamError(error.status >= 500 ? 'http_5xx' : 'http_4xx', error.message, error);
  }
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return new UpstreamError('timeout', `${tritonModel}: no answer before the deadline`, error);
  return new UpstreamError('network', `${tritonModel}: ${(error as Error)?.message ?? String(error)}`, error);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new UpstreamError('timeout', 'deadline passed during injected latency'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UpstreamError('timeout', 'deadline passed during injected latency'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
