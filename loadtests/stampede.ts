/**
 * Stampede: every ROUND_SECONDS all VUS virtual users send the same never-seen body at the
 * same instant (a popular key appears or expires and everyone asks at once; the playbook's
 * "cache stampede"). With request coalescing one call per round reaches Triton and the rest
 * wait for it; without, Triton gets VUS calls per round and the latency thresholds break.
 *   k6 run -e GATEWAY_URL=... -e VUS=500 -e ROUNDS=20 loadtests/stampede.ts
 */
import { sleep } from 'k6';
import { stampedeRequest } from '../src/core/load/payload-mix.ts';
import { envNumber, envString } from './lib/env.ts';
import { featureSchema, predict } from './lib/gateway.ts';
import { optionsFor } from './lib/options.ts';
import { type K6SummaryData, summaryOutputs } from './lib/summary.ts';

const VUS = envNumber('VUS', 200, 1, 10_000);
const ROUNDS = envNumber('ROUNDS', 10, 1, 10_000);
const ROUND_SECONDS = envNumber('ROUND_SECONDS', 5, 1, 3_600);

export const options = optionsFor({
  executor: 'per-vu-iterations',
  vus: VUS,
  iterations: ROUNDS,
  maxDuration: `${Math.ceil((ROUNDS + 2) * ROUND_SECONDS + 30)}s`,
});

export default function (): void {
  // Sleep to the next wall-clock round boundary: all VUs (and all k6 instances of a
  // distributed run, whose clocks agree to NTP precision) fire together.
  const nowSeconds = Date.now() / 1000;
  const round = Math.floor(nowSeconds / ROUND_SECONDS) + 1;
  sleep(round * ROUND_SECONDS - nowSeconds);
  predict(stampedeRequest(featureSchema(), round, envString('USER_PREFIX', 'k6-')));
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('stampede', data, envString('SUMMARY_DIR', '.'));
}
