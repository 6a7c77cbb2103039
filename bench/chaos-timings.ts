/**
 * `npm run bench -- chaos-timings --json [--scale 1] [--reps 1] [--only a,b]`: every shipped local
 * chaos experiment on the real embedded stack (Triton, the gateway as its own process, Redis as
 * cache and feature store, Prometheus), reporting each one's measured detection and recovery
 * time beside its target (as a ratio: below 1 is within target), its status and its p99 during
 * the fault. Medians over the repetitions. The A/B rollback is done by the test stand-in for
 * the A/B controller (test/integration/fixtures/ab-rollback-stand-in.ts).
 */
import { HttpPromQuery } from '../src/adapters/chaos/prometheus-query.ts';
import { loadExperimentFile } from '../src/adapters/files/experiment-file.ts';
import { paths } from '../src/adapters/process/paths.ts';
import { startPrometheus } from '../src/adapters/process/prometheus-server.ts';
import type { Journal } from '../src/core/chaos/journal.ts';
import { defaultChaosTarget } from '../src/core/spec/kinds/chaos-target.ts';
import { runExperiment } from '../src/services/chaos/runner.ts';
import { startRollbackStandIn } from '../test/integration/fixtures/ab-rollback-stand-in.ts';
import { startChaosStack } from '../test/integration/fixtures/chaos-stack.ts';
import { ADMIN_TOKEN } from '../test/integration/fixtures/gateway.ts';
import { median, round } from './_support.ts';

const EXPERIMENTS = [
  'gpu-server-crash',
  'model-load-oom',
  'feature-store-down',
  'model-registry-unavailable',
  'ab-variant-failure',
  'model-drift',
  'cache-stampede',
  'latency-500ms',
];

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}

export default async function chaosTimings(args: string[]): Promise<Record<string, unknown>> {
  const scale = Number(option(args, 'scale', '1'));
  const reps = Number(option(args, 'reps', '1'));
  const only = option(args, 'only', EXPERIMENTS.join(',')).split(',');
  const chaos = await startChaosStack();
  const prometheus = await startPrometheus({
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    jobs: [{ job: 'gateway', targets: [new URL(chaos.gateway.url).host] }],
  });
  const results: Record<string, unknown> = {};
  try {
    for (const name of EXPERIMENTS.filter((e) => only.includes(e))) {
      const runs: Journal[] = [];
      for (let r = 0; r < reps; r++) {
        const standIn =
          name === 'ab-variant-failure' ? startRollbackStandIn(chaos.gateway.url, ADMIN_TOKEN) : undefined;
        try {
          runs.push(
            await runExperiment({
              document: loadExperimentFile(`${paths.root()}/chaos/experiments/${name}.yaml`),
              stack: chaos.stack,
              target: defaultChaosTarget(),
              env: { ...chaos.env(), prometheus: new HttpPromQuery(prometheus.url) },
              timeScale: scale,
            }),
          );
        } finally {
          standIn?.stop();
        }
      }
      const pick = (f: (j: Journal) => number | null | undefined) => {
        const xs = runs.map(f).filter((x): x is number => typeof x === 'number');
        return xs.length === runs.length ? round(median(xs), 2) : null;
      };
      const detection = pick((j) => j.detection?.measuredSeconds);
      const recovery = pick((j) => j.recovery?.measuredSeconds);
      const first = runs[0];
      results[name] = {
        statuses: runs.map((j) => `${j.status}${j.deviated ? ' (deviated)' : ''}`),
        detection_seconds: detection,
        detection_target_seconds: first?.detection?.withinSeconds ?? null,
        detection_ratio:
          detection !== null && first?.detection ? round(detection / first.detection.withinSeconds, 3) : null,
        recovery_seconds: recovery,
        recovery_target_seconds: first?.recovery?.withinSeconds ?? null,
        recovery_ratio: recovery !== null && first?.recovery ? round(recovery / first.recovery.withinSeconds, 3) : null,
        production_recovery_target: first?.experiment.playbook.recoveryTarget,
        p99_during_seconds: pick((j) => j.during.final?.verdicts.find((v) => v.probe === 'p99-within-slo')?.value),
        requests_failed: runs.map((j) => j.load?.failed ?? null),
      };
    }
  } finally {
    await prometheus.stop();
    await chaos.stop();
  }
  return { time_scale: scale, reps, experiments: results };
}
