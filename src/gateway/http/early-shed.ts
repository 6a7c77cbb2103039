import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** What decides, per inference request, whether it is served (LagShedder). */
export interface Admission {
  admit(): boolean;
  readonly lagMs: number;
  readonly share: number;
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
  onShed: (req: IncomingMessage) => void,
): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!isInferenceRequest(req.method, req.url) || admission.admit()) {
      handler(req, res);
      return;
    }
    onShed(req);
    const body = `{"error":"overloaded: the gateway's event loop is ${Math.round(admission.lagMs)} ms behind; ${Math.round(admission.share * 100)}% of requests are shed; retry after 1 s"}`;
    res.writeHead(503, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'retry-after': '1',
    });
    res.end(body);
  };
}
