/**
 * Ramp: arrival rate rising linearly from START_RATE to PEAK_RATE, to find the knee: the rate
 * where the SLO breaks. Thresholds abort the run once they fail (after a minute of data), so
 * the summary's request rate and the time of the abort say how far the stack got.
 *   k6 run -e GATEWAY_URL=... -e PEAK_RATE=2000 -e RAMP=20m loadtests/ramp.ts
 */
import type { Threshold } from 'k6/options';
import { envDuration, envNumber, envString } from './lib/env.ts';
import { nextRequest, predict } from './lib/gateway.ts';
import { optionsFor } from './lib/options.ts';
import { type K6SummaryData, summaryOutputs } from './lib/summary.ts';
import { thresholds } from './thresholds.ts';

const START = envNumber('START_RATE', 10, 1, 50_000);
const PEAK = envNumber('PEAK_RATE', 1_000, 1, 50_000);

/** The SLO thresholds, each turned into one that stops the run when it fails. */
const aborting: Record<string, Threshold[]> = {};
for (const [metric, list] of Object.entries(thresholds)) {
  aborting[metric] = list.map((t) =>
    typeof t === 'string' ? { threshold: t, abortOnFail: true, delayAbortEval: '1m' } : { ...t, abortOnFail: true },
  );
}

export const options = optionsFor(
  {
    executor: 'ramping-arrival-rate',
    startRate: START,
    timeUnit: '1s',
    stages: [
      { target: PEAK, duration: envDuration('RAMP', '10m') },
      { target: PEAK, duration: envDuration('HOLD', '2m') },
    ],
    preAllocatedVUs: Math.ceil(PEAK * 0.1),
    maxVUs: Math.ceil(PEAK * 2),
  },
  aborting,
);

export default function (): void {
  predict(nextRequest());
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('ramp', data, envString('SUMMARY_DIR', '.'));
}
