import type { Journal } from '../../core/chaos/journal.ts';
import { timeline } from '../../core/chaos/plan.ts';
import type { RunListener } from '../../core/chaos/run-events.ts';
import type { FeatureValue } from '../../core/spec/feature-schema.ts';
import type { ProbeSpec } from '../../core/spec/kinds/chaos/probes.ts';
import type { ChaosExperimentDocument } from '../../core/spec/kinds/chaos-experiment.ts';
import type { ChaosTargetSpec } from '../../core/spec/kinds/chaos-target.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import { builtInLoad } from './built-in-load.ts';
import { runEngine } from './engine.ts';
import type { ChaosEnvironment } from './environment.ts';
import { SystemClock } from './ports.ts';
import { ProbeReader } from './probe-reader.ts';
import { defaultRegistry } from './providers/index.ts';

export type { ChaosEnvironment } from './environment.ts';

export interface RunOptions {
  document: ChaosExperimentDocument;
  file?: string;
  stack: StackSpec;
  target: ChaosTargetSpec;
  env: ChaosEnvironment;
  /** (0, 1]: shrinks waits, fault durations and targets (tests, quick game days). */
  timeScale?: number;
  dryRun?: boolean;
  /** Run the experiment's own load (default true); off when traffic comes from elsewhere. */
  builtInLoad?: boolean;
  /** Interrupts the run (SIGINT/SIGTERM): the method stops, rollbacks run. */
  signal?: AbortSignal;
  /** The run's events, as they happen (describeRunEvent turns one into a line). */
  onEvent?: RunListener;
  /** Feature rows for the built-in load (default: serving/data/test.csv). */
  featureRows?: () => Record<string, FeatureValue>[];
}

/**
 * Runs one experiment on the real stack: the engine over the real ports (the system clock,
 * the probe reader, the providers of every backend, the open-model load driver).
 */
export function runExperiment(options: RunOptions): Promise<Journal> {
  const { env, stack } = options;
  const spec = options.document.spec;
  const t = timeline(spec, options.timeScale ?? 1);
  const probeSpecs: ProbeSpec[] = [
    ...spec.steadyState.probes.map((p) => p.probe),
    ...(spec.detection ? [spec.detection.probe] : []),
    ...(spec.recovery ? [spec.recovery.probe] : []),
    ...spec.abort.map((a) => a.probe),
  ];
  const windows = [
    t.windowSeconds,
    ...probeSpecs.map((p) => ('window' in p && p.window ? parseDuration(p.window) : 0)),
  ];
  const probes = new ProbeReader(
    {
      ...(env.gatewayUrl ? { gatewayUrl: env.gatewayUrl } : {}),
      ...(env.admin ? { admin: env.admin } : {}),
      ...(env.prometheus ? { prometheus: env.prometheus } : {}),
      ...(env.pods ? { pods: env.pods } : {}),
      tritonUrl: () => env.local?.stack.triton?.url,
      defaultModel: stack.models[0]?.name as string,
      defaultWindowSeconds: t.windowSeconds,
      minRequests: spec.steadyState.minRequests,
    },
    Math.max(...windows) * 2 + 5,
  );
  return runEngine({
    document: options.document,
    ...(options.file ? { file: options.file } : {}),
    stack,
    target: options.target,
    env,
    registry: defaultRegistry(env),
    probes,
    clock: new SystemClock(),
    ...(env.gatewayUrl
      ? {
          startLoad: builtInLoad({
            gatewayUrl: env.gatewayUrl,
            stack,
            ...(options.featureRows ? { featureRows: options.featureRows } : {}),
          }),
        }
      : {}),
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}),
    ...(options.builtInLoad !== undefined ? { builtInLoad: options.builtInLoad } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}
