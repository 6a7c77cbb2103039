import { request } from 'node:https';

/**
 * Health probes of the control plane's HTTPS endpoints. The API server is checked against
 * the certificate it generated for itself (what every client then trusts); the
 * controller-manager's and scheduler's health ports serve certificates they generate in
 * memory, which no file holds, so those two loopback probes do not verify (they only ask
 * "is it up", and carry no credentials).
 */
export function httpsOk(url: string, options: { ca?: string | Buffer; timeoutMs?: number } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'GET',
        timeout: options.timeoutMs ?? 1_000,
        ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function httpOk(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
