/**
 * The local load driver only ever targets this machine: it is for the game day's own stack
 * and tests, where several people share one host. Load against a cluster is k6's job
 * (loadtests/, README "Load tests against a cluster").
 */
const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Returns the URL's origin, or throws naming the URL and the fix. */
export function assertLoopbackUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`load driver: url "${url}" is not a URL; expected e.g. http://127.0.0.1:8080`);
  }
  if (parsed.protocol !== 'http:')
    throw new TypeError(`load driver: url "${url}" must use http: (the local gateway), got ${parsed.protocol}`);
  if (!isLoopbackHost(parsed.hostname))
    throw new TypeError(
      `load driver: url "${url}" is not a loopback address; the local driver only targets 127.0.0.1, localhost or ::1 (for a cluster, use the k6 scripts in loadtests/)`,
    );
  return parsed.origin;
}
