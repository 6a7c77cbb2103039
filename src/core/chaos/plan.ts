import type { ChaosExperimentSpec } from '../spec/kinds/chaos-experiment.ts';
import { parseDuration } from '../spec/kinds/common.ts';
import { describeTolerance } from './verdict.ts';

/**
 * The run's timeline in seconds. `timeScale` (tests, quick game days) shrinks every wait,
 * fault duration and detection/recovery target alike; probe windows and the probe interval
 * are measurement resolution and stay as written. A scaled target is stricter than the
 * declared one, so a pass at scale < 1 is a pass at scale 1.
 */
export interface Timeline {
  timeScale: number;
  intervalSeconds: number;
  windowSeconds: number;
  warmupSeconds: number;
  waitForSteadyStateSeconds: number;
  settleSeconds: number;
  steps: { name: string; pauseBefore: number; duration: number; pauseAfter: number }[];
  detectionWithin?: number;
  recoveryWithin?: number;
  /** Upper bound of the whole run (plus rollbacks): every loop in the runner stops by then. */
  maxSeconds: number;
}

export function timeline(spec: ChaosExperimentSpec, timeScale = 1): Timeline {
  if (!(timeScale > 0 && timeScale <= 1)) throw new RangeError(`timeScale must be in (0, 1], got ${timeScale}`);
  const s = (d: string | undefined) => (d ? parseDuration(d) * timeScale : 0);
  const windowSeconds = parseDuration(spec.steadyState.window);
  const steps = spec.method.map((m) => ({
    name: m.name,
    pauseBefore: s(m.pauseBefore),
    duration: s(m.duration),
    pauseAfter: s(m.pauseAfter),
  }));
  const warmupSeconds = Math.max(windowSeconds, s(spec.steadyState.warmup));
  const settleSeconds = Math.max(windowSeconds, s(spec.steadyState.settle));
  const detectionWithin = spec.detection ? s(spec.detection.within) : undefined;
  const recoveryWithin = spec.recovery ? s(spec.recovery.within) : undefined;
  const methodSeconds = steps.reduce((sum, x) => sum + x.pauseBefore + x.duration + x.pauseAfter, 0);
  // Actions themselves (a Triton start, a pod-delete's wait) get a generous allowance each.
  const actionAllowance = 120 * spec.method.length;
  const maxSeconds =
    warmupSeconds +
    s(spec.steadyState.waitForSteadyState) +
    windowSeconds +
    methodSeconds +
    actionAllowance +
    (recoveryWithin ?? 0) +
    (detectionWithin ?? 0) +
    settleSeconds +
    30;
  return {
    timeScale,
    intervalSeconds: parseDuration(spec.probeInterval),
    windowSeconds,
    warmupSeconds,
    waitForSteadyStateSeconds: s(spec.steadyState.waitForSteadyState),
    settleSeconds,
    steps,
    ...(detectionWithin !== undefined ? { detectionWithin } : {}),
    ...(recoveryWithin !== undefined ? { recoveryWithin } : {}),
    maxSeconds,
  };
}

/** The human-readable plan a dry run prints. */
export function describePlan(name: string, spec: ChaosExperimentSpec, t: Timeline): string[] {
  const sec = (x: number) => `${Number(x.toFixed(2))} s`;
  const lines = [
    `${name} (target ${spec.target}, time scale ${t.timeScale}): ${spec.playbook.failure}; mitigation: ${spec.playbook.mitigation}`,
    spec.load
      ? `load: ${spec.load.rate} req/s (${spec.load.users} users, repeat ${spec.load.repeatShare}, hot ${spec.load.hotShare}${spec.load.useFeatureStore ? ', features from the store' : ''})`
      : 'load: none (traffic comes from elsewhere)',
    `before: ${sec(t.warmupSeconds)} of load${t.waitForSteadyStateSeconds ? ` (waiting up to ${sec(t.waitForSteadyStateSeconds)} more for steady state)` : ''}, then check ${spec.steadyState.probes
      .filter((p) => p.phases.includes('before'))
      .map((p) => `${p.name} ${describeTolerance(p.tolerance)}`)
      .join(', ')}`,
  ];
  spec.method.forEach((m, i) => {
    const step = t.steps[i] as Timeline['steps'][number];
    lines.push(
      `method ${i + 1}. ${step.pauseBefore ? `after ${sec(step.pauseBefore)}, ` : ''}${m.name}: ${m.action.type}${step.duration ? ` for ${sec(step.duration)}, then revert` : ''}${m.expect === 'failure' ? ' (expected to fail)' : ''}${step.pauseAfter ? `; wait ${sec(step.pauseAfter)}` : ''}`,
    );
  });
  if (spec.detection && t.detectionWithin !== undefined)
    lines.push(
      `detection: ${spec.detection.probe.type} ${describeTolerance(spec.detection.tolerance)} within ${sec(t.detectionWithin)} of the first action`,
    );
  if (spec.recovery && t.recoveryWithin !== undefined)
    lines.push(
      `recovery: ${spec.recovery.probe.type} ${describeTolerance(spec.recovery.tolerance)} within ${sec(t.recoveryWithin)} of the ${spec.recovery.from === 'fault-start' ? 'first action' : 'end of the fault'}`,
    );
  for (const a of spec.abort)
    lines.push(`abort when ${a.name}: ${a.probe.type} leaves ${describeTolerance(a.tolerance)} for ${a.for}`);
  lines.push(
    `after: settle ${sec(t.settleSeconds)}, then check ${spec.steadyState.probes
      .filter((p) => p.phases.includes('after'))
      .map((p) => p.name)
      .join(', ')}`,
  );
  lines.push(`rollbacks (always): ${spec.rollbacks.map((r) => `${r.name} (${r.action.type})`).join(', ') || 'none'}`);
  lines.push(`the run ends within ${sec(t.maxSeconds)}`);
  return lines;
}
