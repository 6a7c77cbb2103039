/**
 * An error answered by Triton (or met on the way to it). Carries Triton's own message and
 * the HTTP status, so callers can tell a bad request (400: our bug or the client's) from an
 * unavailable model or server (the fallback tiers' business).
 */
export class TritonError extends Error {
  override readonly name = 'TritonError';
  readonly status: number;
  readonly operation: string;
  readonly model: string | undefined;
  /** `http` = Triton answered with an error; `network` = no answer (refused, reset, timeout). */
  readonly kind: 'http' | 'network' | 'timeout';
  /** Triton's own message, without our prefix. */
  readonly tritonMessage: string;

  constructor(opts: {
    message: string;
    status: number;
    operation: string;
    model?: string;
    kind: 'http' | 'network' | 'timeout';
    cause?: unknown;
  }) {
    super(
      `${opts.operation}${opts.model ? ` ${opts.model}` : ''}: ${opts.message}` +
        (opts.status ? ` (HTTP ${opts.status})` : ''),
      { cause: opts.cause },
    );
    this.status = opts.status;
    this.operation = opts.operation;
    this.model = opts.model;
    this.kind = opts.kind;
    this.tritonMessage = opts.message;
  }

  /** True when the request itself was wrong; retrying or falling back will not help. */
  get isClientError(): boolean {
    return this.kind === 'http' && this.status >= 400 && this.status < 500 && this.status !== 404;
  }
}
