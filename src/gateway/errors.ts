/**
 * Why the gateway refused a request or could not answer it, in the gateway's own terms.
 * The core (routing, fallback chain, decoders, admin stores) throws these; `server.ts`
 * maps each to an HTTP status in one place, so the core never speaks HTTP.
 */
export class GatewayError extends Error {
  /** The request field at fault, when there is one (echoed to the client as `field`). */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

/** The request is malformed or out of range; the message names the field and the fix. */
export class InvalidRequestError extends GatewayError {
  override readonly name = 'InvalidRequestError';
}

/** More rows than the gateway accepts in one request. */
export class BatchTooLargeError extends GatewayError {
  override readonly name = 'BatchTooLargeError';
}

/** No such logical model, variant (KServe "version") or admin resource. */
export class NotFoundError extends GatewayError {
  override readonly name = 'NotFoundError';
}

/** Every tier the model is allowed to use failed (fallbacks disabled, primary down). */
export class ModelUnavailableError extends GatewayError {
  override readonly name = 'ModelUnavailableError';
  /** The upstream failure reason (timeout, circuit_open, ...). */
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(message);
    this.reason = reason;
  }
}

/** The body is in an encoding the gateway does not decode (Content-Encoding other than gzip/identity). */
export class UnsupportedEncodingError extends GatewayError {
  override readonly name = 'UnsupportedEncodingError';
}

/** Shed: the model's adaptive concurrency limit or the gateway's event-loop lag refused the request. */
export class OverloadedError extends GatewayError {
  override readonly name = 'OverloadedError';
  readonly reason = 'overloaded';
}
