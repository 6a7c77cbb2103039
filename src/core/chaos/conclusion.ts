import type { ExpectationRecord, Journal, PhaseCheck, RunStatus, StepRecord, Tick } from './journal.ts';
import type { ProbeVerdict } from './verdict.ts';

/**
 * How a run ends, as a pure function of what happened. Chaos Toolkit's rules: a hypothesis
 * that does not hold before the method fails the run without deviation (nothing was
 * tested); one that does not hold during or after it deviates and fails the run. Ours adds
 * the playbook's detection and recovery targets, abort conditions and refusals.
 */
export interface RunFacts {
  refused?: string;
  /** A dry run: what it checked. Nothing was injected or measured, so nothing was tested. */
  dryRun?: { checked: readonly string[] };
  error?: string;
  interrupted?: string;
  abort?: Journal['abort'];
  before?: PhaseCheck;
  /** The during hypothesis over the whole method (phase-scoped probes are judged here). */
  duringFinal?: PhaseCheck;
  ticks: Tick[];
  duringProbes: readonly string[];
  after?: PhaseCheck;
  detection?: ExpectationRecord;
  recovery?: ExpectationRecord;
  method: StepRecord[];
  rollbacks: StepRecord[];
}

export interface Conclusion {
  status: RunStatus;
  deviated: boolean;
  duringHeld: boolean | null;
  reason: string;
}

const describe = (v: ProbeVerdict) =>
  `${v.probe} ${v.outcome === 'deviated' ? 'deviated' : v.outcome === 'no_data' ? 'had no data' : 'failed to run'}: ${v.why}`;

function firstMiss(verdicts: readonly ProbeVerdict[]): ProbeVerdict | undefined {
  return verdicts.find((v) => v.outcome === 'deviated') ?? verdicts.find((v) => v.outcome !== 'ok');
}

function stepFailures(steps: StepRecord[]): StepRecord[] {
  return steps.flatMap((s) => [s, ...(s.revert ? [s.revert] : [])]).filter((s) => s.outcome === 'failed');
}

export function conclude(f: RunFacts): Conclusion {
  // Sliding-window probes must hold at every check; phase-scoped ones are judged over the
  // whole method, in duringFinal (their running values in the ticks are for the record).
  const windowed = f.ticks.flatMap((t) =>
    t.verdicts
      .filter((v) => f.duringProbes.includes(v.probe) && v.scope === 'window')
      .map((v) => ({ t: t.atSeconds, v })),
  );
  const final = (f.duringFinal?.verdicts ?? []).map((v) => ({ t: f.duringFinal?.atSeconds ?? 0, v }));
  const duringVerdicts = [...final, ...windowed];
  const duringMiss =
    duringVerdicts.find(({ v }) => v.outcome === 'deviated') ?? duringVerdicts.find(({ v }) => v.outcome !== 'ok');
  const duringHeld = duringVerdicts.length === 0 ? null : duringMiss === undefined;
  const afterMiss = f.after && !f.after.held ? firstMiss(f.after.verdicts) : undefined;
  const missed = [f.detection, f.recovery].filter((e): e is ExpectationRecord => e !== undefined && e.met === false);
  const deviations: string[] = [];
  if (duringMiss) {
    deviations.push(
      `${describe(duringMiss.v)} (during${duringMiss.v.scope === 'window' ? `, at ${duringMiss.t.toFixed(1)} s` : ', over the method'})`,
    );
  }
  if (afterMiss) deviations.push(`${describe(afterMiss)} (after)`);
  for (const e of missed) deviations.push(`${e.kind} target missed: ${e.why}`);
  const deviated = deviations.length > 0 || f.abort !== undefined;
  const rollbackFailures = stepFailures(f.rollbacks);
  const rollbackNote =
    rollbackFailures.length > 0
      ? `; ROLLBACK FAILED (${rollbackFailures.map((s) => `${s.name}: ${s.error}`).join('; ')}): the stack may still be degraded`
      : '';

  if (f.refused)
    return { status: 'failed', deviated: false, duringHeld, reason: `refused before acting: ${f.refused}` };
  if (f.dryRun) {
    return {
      status: 'completed',
      deviated: false,
      duringHeld: null,
      reason: `dry run: ${f.dryRun.checked.length} checks passed (the experiment against the spec, every action's guards against the live targets, read-only); nothing was injected and nothing was measured, so the hypothesis was not tested`,
    };
  }
  if (f.interrupted) {
    return {
      status: 'interrupted',
      deviated,
      duringHeld,
      reason: `interrupted by ${f.interrupted}; rollbacks ran${rollbackNote}`,
    };
  }
  if (f.abort) {
    return {
      status: 'aborted',
      deviated: true,
      duringHeld,
      reason: `aborted at ${f.abort.atSeconds.toFixed(1)} s: ${f.abort.condition}: ${f.abort.verdict.why}; rolled back${rollbackNote}`,
    };
  }
  if (f.before && !f.before.held) {
    const miss = firstMiss(f.before.verdicts);
    return {
      status: 'failed',
      deviated: false,
      duringHeld,
      reason: `steady state not met before the method, nothing was injected: ${miss ? describe(miss) : 'no probe ran'}${rollbackNote}`,
    };
  }
  if (f.error) return { status: 'failed', deviated, duringHeld, reason: `${f.error}${rollbackNote}` };
  const unexpected = stepFailures(f.method).filter((s) => s.outcome === 'failed');
  if (unexpected.length > 0) {
    const s = unexpected[0] as StepRecord;
    return {
      status: 'failed',
      deviated,
      duringHeld,
      reason: `method step ${s.name} failed: ${s.error}${rollbackNote}`,
    };
  }
  if (deviated)
    return {
      status: 'failed',
      deviated: true,
      duringHeld,
      reason: `hypothesis deviated: ${deviations.join('; ')}${rollbackNote}`,
    };
  if (rollbackFailures.length > 0)
    return { status: 'failed', deviated: false, duringHeld, reason: `the hypothesis held${rollbackNote}` };
  return {
    status: 'completed',
    deviated: false,
    duringHeld,
    reason: 'the hypothesis held before, during and after the method; detection and recovery within target',
  };
}
