/**
 * Smoke: a trickle (2/s for 30 s) to prove the target answers, the payloads are accepted and
 * the thresholds wire up, before anything heavier runs.
 *   k6 run -e GATEWAY_URL=http://gateway.steadystate:8080 loadtests/smoke.ts
 */
import { envDuration, envNumber, envString } from './lib/env.ts';
import { nextRequest, predict } from './lib/gateway.ts';
import { optionsFor } from './lib/options.ts';
import { type K6SummaryData, summaryOutputs } from './lib/summary.ts';

export const options = optionsFor({
  executor: 'constant-arrival-rate',
  rate: envNumber('RATE', 2, 0.1, 100),
  timeUnit: '1s',
  duration: envDuration('DURATION', '30s'),
  preAllocatedVUs: 2,
  maxVUs: 20,
});

export default function (): void {
  predict(nextRequest());
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('smoke', data, envString('SUMMARY_DIR', '.'));
}
