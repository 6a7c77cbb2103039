/**
 * Soak: a moderate steady rate for hours, for what only time shows: memory growth, cache
 * eviction and stale-entry churn (the cache TTL is minutes), connection-pool leaks, and the
 * error budget burned at a "normal" error rate.
 *   k6 run -e GATEWAY_URL=... -e RATE=50 -e DURATION=4h loadtests/soak.ts
 */
import { envDuration, envNumber, envString } from './lib/env.ts';
import { nextRequest, predict } from './lib/gateway.ts';
import { optionsFor } from './lib/options.ts';
import { type K6SummaryData, summaryOutputs } from './lib/summary.ts';

const RATE = envNumber('RATE', 50, 1, 50_000);

export const options = optionsFor({
  executor: 'constant-arrival-rate',
  rate: RATE,
  timeUnit: '1s',
  duration: envDuration('DURATION', '2h'),
  preAllocatedVUs: Math.ceil(RATE * 0.2),
  maxVUs: Math.ceil(RATE * 2),
});

export default function (): void {
  predict(nextRequest());
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('soak', data, envString('SUMMARY_DIR', '.'));
}
