import { PrometheusClient } from '../../adapters/prometheus/client.ts';
import {
  type CounterSelection,
  LATENCY_HISTOGRAM,
  type Sample,
  SCORE_HISTOGRAM,
  snapshotFromSamples,
} from '../../core/abtest/counters-from-samples.ts';
import { shadowFromSamples } from '../../core/abtest/shadow.ts';
import { GATEWAY } from '../../core/metrics/names.ts';
import type { CounterSource } from './counter-source.ts';

/**
 * Reads the per-variant counters from Prometheus, summed over every gateway replica
 * (ARCHITECTURE.md: statistics come from counters summed across replicas, not from one
 * process's memory). All queries are evaluated at one timestamp so the counters agree.
 * A counter whose newest sample is older than `maxAgeSeconds` (the gateway stopped being
 * scraped) is no data, not a frozen experiment.
 */
export interface PrometheusCounterSourceOptions extends CounterSelection {
  url: string;
  timeoutMs?: number;
  maxAgeSeconds?: number;
  /** Seconds since the epoch; injectable for tests. */
  now?: () => number;
}

export function prometheusCounterSource(options: PrometheusCounterSourceOptions): CounterSource {
  const selector = `{model=${JSON.stringify(options.model)}}`;
  const queries: { name: string; promql: string }[] = [
    { name: GATEWAY.requests, promql: `sum by (variant, served_by) (${GATEWAY.requests}${selector})` },
    { name: GATEWAY.predictions, promql: `sum by (variant, label) (${GATEWAY.predictions}${selector})` },
    ...[SCORE_HISTOGRAM, LATENCY_HISTOGRAM].flatMap((h) => [
      { name: `${h}_bucket`, promql: `sum by (variant, le) (${h}_bucket${selector})` },
      { name: `${h}_sum`, promql: `sum by (variant) (${h}_sum${selector})` },
      { name: `${h}_count`, promql: `sum by (variant) (${h}_count${selector})` },
    ]),
    { name: GATEWAY.shadowAgreement, promql: `sum by (variant, agree) (${GATEWAY.shadowAgreement}${selector})` },
    {
      name: `${GATEWAY.shadowDuration}_bucket`,
      promql: `sum by (variant, le) (${GATEWAY.shadowDuration}_bucket${selector})`,
    },
    { name: `${GATEWAY.shadowDuration}_sum`, promql: `sum by (variant) (${GATEWAY.shadowDuration}_sum${selector})` },
    {
      name: `${GATEWAY.shadowDuration}_count`,
      promql: `sum by (variant) (${GATEWAY.shadowDuration}_count${selector})`,
    },
  ];
  const freshness = `max(timestamp(${GATEWAY.requests}${selector}))`;
  const now = options.now ?? (() => Date.now() / 1000);
  const client = new PrometheusClient({ url: options.url, timeoutMs: options.timeoutMs ?? 5_000 });
  return {
    async read(signal) {
      const time = now();
      // An empty vector is no samples: absent counters read as no data, not as a failure.
      const q = async (promql: string) => {
        const result = await client.instant(promql, { time, signal });
        return result.status === 'values' ? result.samples : [];
      };
      try {
        const [newest, ...results] = await Promise.all([q(freshness), ...queries.map((x) => q(x.promql))]);
        if (!newest || newest.length === 0) {
          return {
            ok: false,
            reason: `Prometheus has no ${GATEWAY.requests} series for model "${options.model}" (is the gateway scraped?)`,
          };
        }
        const age = time - (newest[0]?.value ?? 0);
        const maxAge = options.maxAgeSeconds ?? 120;
        if (age > maxAge) {
          return {
            ok: false,
            reason: `the newest ${GATEWAY.requests} sample is ${Math.round(age)}s old (over ${maxAge}s): the gateway is not being scraped`,
          };
        }
        const samples: Sample[] = results.flatMap((vector, i) =>
          vector.map((s) => ({
            name: (queries[i] as { name: string }).name,
            labels: { ...s.labels, model: options.model },
            value: s.value,
          })),
        );
        return {
          ok: true,
          snapshot: snapshotFromSamples(samples, options),
          shadow: shadowFromSamples(samples, options.model),
        };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },
  };
}
