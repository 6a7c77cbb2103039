/**
 * Spike: a sudden 10x surge (BASE_RATE -> SPIKE_RATE in 10 s), held, then gone. The gateway
 * should shed or serve from the cache and fallbacks rather than queue, and be back within
 * the SLO soon after; the summary's served_by shares show which tiers carried the spike.
 *   k6 run -e GATEWAY_URL=... -e BASE_RATE=100 -e SPIKE_RATE=1000 loadtests/spike.ts
 */
import { envDuration, envNumber, envString } from './lib/env.ts';
import { nextRequest, predict } from './lib/gateway.ts';
import { optionsFor } from './lib/options.ts';
import { type K6SummaryData, summaryOutputs } from './lib/summary.ts';

const BASE = envNumber('BASE_RATE', 50, 1, 50_000);
const SPIKE = envNumber('SPIKE_RATE', BASE * 10, 1, 100_000);

export const options = optionsFor({
  executor: 'ramping-arrival-rate',
  startRate: BASE,
  timeUnit: '1s',
  stages: [
    { target: BASE, duration: envDuration('WARMUP', '1m') },
    { target: SPIKE, duration: '10s' },
    { target: SPIKE, duration: envDuration('SPIKE_FOR', '1m') },
    { target: BASE, duration: '10s' },
    { target: BASE, duration: envDuration('RECOVERY', '2m') },
  ],
  preAllocatedVUs: Math.ceil(SPIKE * 0.1),
  maxVUs: Math.ceil(SPIKE * 2),
});

export default function (): void {
  predict(nextRequest());
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('spike', data, envString('SUMMARY_DIR', '.'));
}
