import type { Pool } from 'undici';

export interface PredictAnswer {
  status: number;
  servedBy: string | null;
  variant: string | null;
  error: string | null;
}

/** One POST; never throws: a failure is an answer with status 0 and the reason. */
export async function sendPredict(
  pool: Pool,
  path: string,
  body: string,
  signal: AbortSignal,
  requestId?: string,
): Promise<PredictAnswer> {
  try {
    const res = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
      body,
      signal,
    });
    const text = await res.body.text();
    let parsed: { served_by?: unknown; variant?: unknown; error?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // A non-JSON answer (a proxy's error page) still has a status; it just names no tier.
    }
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return {
      status: res.statusCode,
      servedBy: typeof parsed.served_by === 'string' ? parsed.served_by : null,
      variant: typeof parsed.variant === 'string' ? parsed.variant : null,
      error: ok ? null : typeof parsed.error === 'string' ? parsed.error : `HTTP ${res.statusCode}`,
    };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { status: 0, servedBy: null, variant: null, error: `${e.code ?? 'error'}: ${e.message ?? String(error)}` };
  }
}
