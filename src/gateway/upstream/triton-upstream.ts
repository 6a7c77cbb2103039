import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  handleAll,
  SamplingBreaker,
} from 'cockatiel';
import type { TritonClient } from '../../adapters/triton/client.ts';
import { TritonError } from '../../adapters/triton/errors.ts';
import type { GatewayLog } from '../log.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { FaultInjector } from './faults.ts';
import { type Upstream, UpstreamError } from './upstream.ts';

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
  elapsedMs: number;
}

/**
 * Calls one Triton model for one (logical model, variant), with the fault injector in front
 * and a circuit breaker that trips on the error rate AND on slow calls (latency, not
 * readiness: a "ready" Triton with a broken GPU still fails or stalls, server#3627).
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
  }) {
    this.model = opts.model;
    this.variant = opts.variant;
    this.tritonModel = opts.tritonModel;
    this.client = opts.client;
    this.faults = opts.faults;
    this.metrics = opts.metrics;
    this.inputName = opts.inputName;
    const slow = opts.breaker.slowCallMs;
    this.breaker = circuitBreaker(
      handleAll.orWhenResult((r) => (r as CallResult).elapsedMs > slow),
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
      if (value === 2)
        opts.log?.warn(fields, `${this.model}/${this.variant}: circuit opened, calls go to the fallback tiers`);
      else opts.log?.info(fields, `${this.model}/${this.variant}: circuit ${STATE_NAMES[value]}`);
    });
  }

  get circuitOpen(): boolean {
    return this.breaker.state === CircuitState.Open || this.breaker.state === CircuitState.Isolated;
  }

  /** Scores `rows`, or throws UpstreamError. `timeoutMs` bounds the whole call including injected latency. */
  async infer(rows: number[][], timeoutMs: number): Promise<number[]> {
    const labels = { model: this.model, variant: this.variant };
    try {
      const result = await this.breaker.execute(() => this.call(rows, timeoutMs));
      return result.scores;
    } catch (error) {
      const upstream = classify(error, this.tritonModel);
      this.metrics.upstreamErrors.inc({ ...labels, reason: upstream.reason });
      throw upstream;
    }
  }

  private async call(rows: number[][], timeoutMs: number): Promise<CallResult> {
    const start = performance.now();
    const signal = AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs)));
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
    if (!scores || scores.length !== rows.length || !scores.every((s) => Number.isFinite(s))) {
      throw new UpstreamError(
        'http_5xx',
        `${this.tritonModel} returned ${JSON.stringify(res.outputs).slice(0, 200)}; expected ${rows.length} finite scores`,
      );
    }
    const elapsedMs = performance.now() - start;
    this.metrics.upstreamDuration.observe({ model: this.model, variant: this.variant }, elapsedMs / 1000);
    return { scores, elapsedMs };
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
