/** Why a fetch failed, in a few words: undici puts the useful part (ECONNREFUSED, "bad port") in `cause`. */
export function fetchFailure(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer in time (${e.message})`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
