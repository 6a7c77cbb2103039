import {
  type CostCounters,
  type CounterSample,
  countersFromSamples,
  GPU_MEMORY,
  TRITON_COST_COUNTERS,
} from '../../core/cost/counters.ts';
import { GATEWAY } from '../../core/metrics/names.ts';
import type { PrometheusClient } from './client.ts';

/**
 * The cost window's counters from Prometheus: increase() of Triton's per-model compute
 * counters and of the gateway's answers over [from, to], evaluated at `to`. increase()
 * handles counter resets (a restarted Triton) and sums every scraped Triton replica.
 */
export async function readCostCounters(client: PrometheusClient, from: number, to: number): Promise<CostCounters> {
  const windowSeconds = Math.round(to - from);
  const range = `[${windowSeconds}s]`;
  const samples: CounterSample[] = [];
  const read = async (name: string, by: string) => {
    const result = await client.instant(`sum by (${by}) (increase(${name}${range}))`, { time: to });
    if (result.status === 'values')
      for (const s of result.samples) samples.push({ name, labels: s.labels, value: s.value });
  };
  for (const name of Object.values(TRITON_COST_COUNTERS)) await read(name, 'model');
  await read(GATEWAY.requests, 'model, served_by');
  // Per-GPU memory gauges (GPU builds only): their mean over the window, averaged over GPUs.
  for (const name of Object.values(GPU_MEMORY)) {
    const result = await client.instant(`avg(avg_over_time(${name}${range}))`, { time: to });
    if (result.status === 'values')
      for (const s of result.samples) samples.push({ name, labels: s.labels, value: s.value });
  }
  const instances = await client.instant(
    `count(count by (instance) (last_over_time(${TRITON_COST_COUNTERS.requests}${range})))`,
    { time: to },
  );
  const tritonInstances = instances.status === 'values' ? (instances.samples[0]?.value ?? 1) : 1;
  return countersFromSamples([], samples, windowSeconds, tritonInstances);
}
