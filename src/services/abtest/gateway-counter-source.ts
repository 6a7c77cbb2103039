import { parsePrometheusText } from '../../adapters/triton/metrics-text.ts';
import { type CounterSelection, snapshotFromSamples } from '../../core/abtest/counters-from-samples.ts';
import { shadowFromSamples } from '../../core/abtest/shadow.ts';
import type { CounterReading, CounterSource } from './counter-source.ts';
import { fetchFailure } from './fetch-error.ts';

/**
 * The embedded mode (no Prometheus): scrape one gateway's /metrics directly. Correct for a
 * single replica only; with several, use Prometheus so the counters are summed.
 */
export function gatewayCounterSource(
  options: CounterSelection & { metricsUrl: string; timeoutMs?: number },
): CounterSource {
  return {
    async read(signal): Promise<CounterReading> {
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000);
      try {
        const response = await fetch(options.metricsUrl, {
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        if (!response.ok) return { ok: false, reason: `${options.metricsUrl} answered HTTP ${response.status}` };
        const samples = parsePrometheusText(await response.text());
        if (!samples.some((s) => s.labels.model === options.model)) {
          return { ok: false, reason: `${options.metricsUrl} has no series for model "${options.model}" yet` };
        }
        return {
          ok: true,
          snapshot: snapshotFromSamples(samples, options),
          shadow: shadowFromSamples(samples, options.model),
        };
      } catch (error) {
        return { ok: false, reason: `cannot scrape ${options.metricsUrl}: ${fetchFailure(error)}` };
      }
    },
  };
}
