import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** What decides, per inference request, whether it is served (overload/door-admission.ts). */
export interface Admission {
  /** Undefined = serve it; otherwise why it is shed (the 503's error message). */
  refuse(model: string | undefined): string | undefined;
}

/** Inference requests only: health, readiness, metrics and admin always answer. */
export function isInferenceRequest(method: string | undefined, url: string | undefined): boolean {
  if (method !== 'POST' || url === undefined) return false;
  return url.startsWith('/v1/') || (url.startsWith('/v2/models/') && url.includes('/infer'));
}

/** The logical model a request names (`/v1/models/M/predict`, `/v2/models/M/...`); undefined for `/v1/predict`. */
export function modelOfUrl(url: string): string | undefined {
  const m = /^\/v[12]\/models\/([^/?]+)/.exec(url);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return m[1]; // malformed escapes: counted under "unknown" by the caller, never a crash
  }
}

/**
 * Wraps the framework's request listener so a shed request is refused before the framework
 * sees it: no request/reply objects, no routing, no hooks, no body read (Node discards the
 * unread body and keeps the connection). A 503 with Retry-After costs a few microseconds of a
 * loop that is, by definition, short of them; shedding through the framework cost about as
 * much as serving, so shedding more only kept the loop saturated.
 */
export function shedEarly(
  handler: RequestListener,
  admission: Admission,
  onShed: (req: IncomingMessage, model: string | undefined) => void,
): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!isInferenceRequest(req.method, req.url)) {
      handler(req, res);
      return;
    }
    const model = modelOfUrl(req.url as string);
    const reason = admission.refuse(model);
    if (reason === undefined) {
      handler(req, res);
      return;
    }
    onShed(req, model);
    const body = JSON.stringify({ error: reason });
    res.writeHead(503, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'retry-after': '1',
    });
    res.end(body);
  };
}
