import type { Sample } from '../../core/chaos/samples.ts';
import { parsePrometheusText } from '../triton/metrics-text.ts';

/** One GET of a Prometheus text endpoint (the gateway's /metrics), parsed. */
export async function scrapeMetrics(url: string, timeoutMs = 2_000): Promise<Sample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return parsePrometheusText(await res.text());
}
