/**
 * `npm run bench -- adaptive-batching --json`: the adaptive batching controller on vs off,
 * same Triton, same run. Each pass sends a high-load phase (`--high` requests in flight,
 * single-row, straight to Triton: on 2 shared cores the gateway saturates before Triton's
 * batches fill) then a low-load phase (`--low` in flight); one pass runs the controller
 * (core/batching/adaptive.ts; limits below), the other keeps the shipped configuration. Passes alternate which goes first, `--rounds` times; figures are
 * medians over rounds, ratios on/off are medians of the per-round ratios.
 *
 * Options: --rounds 2 --high 128 --low 2 --high-seconds 15 --low-seconds 10 --interval 1
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AdaptiveBatchingLimits } from '../src/core/batching/adaptive.ts';
import { median, round } from './_support.ts';
import { type PhaseResult, startAdaptiveStack } from './lib/adaptive-experiment.ts';

/** The playbook's stage 3 on the local configuration: 32 -> 64 under high traffic, back when it falls. */
export const BENCH_LIMITS: AdaptiveBatchingLimits = {
  minBatchSize: 32,
  maxBatchSize: 64,
  minQueueDelayUs: 1000,
  maxQueueDelayUs: 10_000,
  raiseAboveFill: 0.4,
  lowerBelowFill: 0.2,
  minRequestsPerSecond: 20,
  sustain: 2,
  cooldownIntervals: 2,
};

export default async function adaptiveBatching(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: 'string', default: '2' },
      high: { type: 'string', default: '128' },
      low: { type: 'string', default: '2' },
      'high-seconds': { type: 'string', default: '15' },
      'low-seconds': { type: 'string', default: '10' },
      interval: { type: 'string', default: '1' },
    },
  });
  const num = (name: keyof typeof values) => {
    const n = Number(values[name]);
    if (!(n > 0)) throw new RangeError(`--${name} ${values[name]}: expected a positive number`);
    return n;
  };
  const phases = [
    { name: 'high', tritonConcurrency: num('high'), seconds: num('high-seconds') },
    { name: 'low', tritonConcurrency: num('low'), seconds: num('low-seconds') },
  ];
  const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const load = [loadavg()];
  const stack = await startAdaptiveStack(BENCH_LIMITS, num('interval') * 1000);
  const on: PhaseResult[][] = [];
  const off: PhaseResult[][] = [];
  const changes: string[][] = [];
  try {
    for (let i = 0; i < num('rounds'); i++) {
      for (const controller of i % 2 === 0 ? [true, false] : [false, true]) {
        const pass = await stack.pass({ phases, controller });
        (controller ? on : off).push(pass.phases);
        if (controller)
          changes.push(pass.decisions.filter((d) => d.applied).map((d) => `${d.direction} ${d.next.maxBatchSize}`));
      }
    }
  } finally {
    await stack.close();
  }
  load.push(loadavg());
  const byPhase = (runs: PhaseResult[][], k: number) => {
    const xs = runs.map((r) => r[k] as PhaseResult);
    return {
      good_rps: round(median(xs.map((x) => x.goodRps))),
      p50_ms: round(median(xs.map((x) => x.p50Ms))),
      p99_ms: round(median(xs.map((x) => x.p99Ms))),
      bad_ratio: round(median(xs.map((x) => x.badRatio))),
      avg_batch: round(median(xs.map((x) => x.avgBatch))),
      max_batch_size_at_end: xs.map((x) => x.maxBatchSizeAtEnd),
    };
  };
  const ratio = (k: number, f: (p: PhaseResult) => number) =>
    round(median(on.map((r, i) => f(r[k] as PhaseResult) / f((off[i] as PhaseResult[])[k] as PhaseResult))));
  return {
    stack:
      'tritonserver 2.51 CPU, fraud_v1 as shipped (2 instances, 1 ms, max 32); closed-loop single-row requests to Triton',
    limits: BENCH_LIMITS,
    phases,
    rounds: on.length,
    ...Object.fromEntries(
      phases.map((p, k) => [
        p.name,
        {
          controller_on: byPhase(on, k),
          controller_off: byPhase(off, k),
          good_rps_ratio_on_over_off: ratio(k, (x) => x.goodRps),
          p99_ratio_on_over_off: ratio(k, (x) => x.p99Ms),
        },
      ]),
    ),
    controller_changes_per_round: changes,
    loadavg_start_end: load,
    gpu: 'not measured: no NVIDIA GPU in this session (bench/gpu/batching-gpu.sh)',
  };
}
