/** Why a call to a model failed; the fallback chain decides on retry and degradation from it. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly reason:
    | 'timeout'
    | 'unavailable'
    | 'http_5xx'
    | 'http_4xx'
    | 'network'
    | 'circuit_open'
    | 'injected'
    /** The model answered NaN/Inf: the rows' fault; never opens the breaker or shrinks the limit. */
    | 'non_finite'
    /** The adaptive concurrency limit refused the call: shed, not a failure of the upstream. */
    | 'overloaded';
  constructor(reason: UpstreamError['reason'], message: string, cause?: unknown) {
    super(message, { cause });
    this.reason = reason;
  }
}

/**
 * The port the fallback chain calls: one model for one (logical model, variant). The real one
 * is TritonUpstream (breaker + fault injection + Triton); FakeUpstream scripts it in tests.
 */
export interface Upstream {
  readonly model: string;
  readonly variant: string;
  /** The backing model's name; decision thresholds are looked up by it. */
  readonly tritonModel: string;
  /** Scores `rows` within `timeoutMs`, or throws UpstreamError. */
  infer(rows: number[][], timeoutMs: number): Promise<number[]>;
  /** Its adaptive concurrency limit now and the calls in flight (undefined: no limit). */
  concurrency?(): ConcurrencyNow | undefined;
}

export interface ConcurrencyNow {
  limit: number;
  inflight: number;
}
