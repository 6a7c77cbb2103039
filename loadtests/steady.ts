/**
 * Steady: production-shaped traffic at a fixed arrival rate (open model: users keep arriving
 * whatever the latency) with the realistic mix: repeat bodies (cache hits), a hot key, ~1%
 * fraud-like transactions. The SLO thresholds must hold throughout.
 *   k6 run -e GATEWAY_URL=... -e RATE=200 -e DURATION=15m loadtests/steady.ts
 */
import { envDuration, envNumber, envString } from './lib/env.ts';
import { nextRequest, predict } from './lib/gateway.ts';
import { optionsFor } from './lib/options.ts';
import { type K6SummaryData, summaryOutputs } from './lib/summary.ts';

const RATE = envNumber('RATE', 100, 1, 50_000);

export const options = optionsFor({
  executor: 'constant-arrival-rate',
  rate: RATE,
  timeUnit: '1s',
  duration: envDuration('DURATION', '10m'),
  // VUs in flight = rate x latency (Little's law); room for latency up to 2 s before k6
  // starts dropping iterations (reported as dropped_iterations).
  preAllocatedVUs: Math.ceil(RATE * 0.2),
  maxVUs: Math.ceil(RATE * 2),
});

export default function (): void {
  predict(nextRequest());
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('steady', data, envString('SUMMARY_DIR', '.'));
}
