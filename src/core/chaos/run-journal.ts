import type { ChaosExperimentDocument } from '../spec/kinds/chaos-experiment.ts';
import { parseDuration } from '../spec/kinds/common.ts';
import { conclude } from './conclusion.ts';
import { decideExpectation } from './expectation.ts';
import type { ExpectationRecord, Journal, LoadSummary, PhaseCheck, StepRecord, Tick } from './journal.ts';
import type { Timeline } from './plan.ts';
import type { RunState } from './run-state.ts';

/** Everything a run recorded, in the shape the journal is assembled from. */
export interface RunRecord {
  document: ChaosExperimentDocument;
  file?: string;
  timeline: Timeline;
  state: RunState;
  ticks: Tick[];
  method: StepRecord[];
  rollbacks: StepRecord[];
  startedAt: string;
  endedAt: string;
  /** Seconds since the run started, now. */
  nowSeconds: number;
  dryRun: boolean;
  refused?: string;
  error?: string;
  before?: PhaseCheck;
  duringFinal?: PhaseCheck;
  after?: PhaseCheck;
  load?: LoadSummary;
  plan?: string[];
  checked?: string[];
}

/** The journal of a run, as a pure function of what it recorded. */
export function assembleJournal(r: RunRecord): Journal {
  const spec = r.document.spec;
  const s = r.state;
  const detection = expectation(r, 'detection');
  const recovery = expectation(r, 'recovery');
  const duringProbes = spec.steadyState.probes.filter((p) => p.phases.includes('during')).map((p) => p.name);
  const interrupted = s.stop?.cause === 'interrupted' ? (s.stop.by ?? 'a signal') : undefined;
  const conclusion = conclude({
    ...(r.refused ? { refused: r.refused } : {}),
    ...(r.dryRun && !r.refused ? { dryRun: { checked: r.checked ?? [] } } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(interrupted ? { interrupted } : {}),
    ...(s.abort ? { abort: s.abort } : {}),
    ...(r.before ? { before: r.before } : {}),
    ...(r.after ? { after: r.after } : {}),
    ...(r.duringFinal ? { duringFinal: r.duringFinal } : {}),
    ...(detection ? { detection } : {}),
    ...(recovery ? { recovery } : {}),
    ticks: r.ticks,
    duringProbes,
    method: r.method,
    rollbacks: r.rollbacks,
  });
  const doc = r.document;
  return {
    journalVersion: 1,
    experiment: {
      name: doc.metadata.name,
      ...(doc.metadata.description ? { description: doc.metadata.description } : {}),
      ...(r.file ? { file: r.file } : {}),
      target: spec.target,
      playbook: spec.playbook,
    },
    status: conclusion.status,
    deviated: conclusion.deviated,
    dryRun: r.dryRun,
    reason: conclusion.reason,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationSeconds: r.nowSeconds,
    timeScale: r.timeline.timeScale,
    ...(r.error ? { error: r.error } : {}),
    ...(r.before ? { before: r.before } : {}),
    ...(r.after ? { after: r.after } : {}),
    ...(r.load ? { load: r.load } : {}),
    ...(r.plan ? { plan: r.plan } : {}),
    ...(r.checked ? { checked: r.checked } : {}),
    during: {
      held: conclusion.duringHeld,
      probes: duringProbes,
      ...(r.duringFinal ? { final: r.duringFinal } : {}),
      ticks: r.ticks,
    },
    ...(detection ? { detection } : {}),
    ...(recovery ? { recovery } : {}),
    ...(s.abort ? { abort: s.abort } : {}),
    method: r.method,
    rollbacks: r.rollbacks,
    ...(r.refused ? { error: `refused: ${r.refused}` } : {}),
  };
}

function expectation(r: RunRecord, kind: 'detection' | 'recovery'): ExpectationRecord | undefined {
  const spec = r.document.spec;
  const s = r.state;
  const e = kind === 'detection' ? spec.detection : spec.recovery;
  if (!e || (s.faultStart === null && r.method.length === 0)) return undefined;
  const from = kind === 'detection' || spec.recovery?.from !== 'fault-end' ? s.faultStart : s.faultEnd;
  const lastWhy = kind === 'detection' ? s.lastDetectionWhy : s.lastRecoveryWhy;
  return decideExpectation({
    kind,
    probe: e.probe.type,
    tolerance: e.tolerance,
    declaredWithinSeconds: parseDuration(e.within),
    withinSeconds: (kind === 'detection' ? r.timeline.detectionWithin : r.timeline.recoveryWithin) ?? 0,
    fromSeconds: from,
    heldAtSeconds: kind === 'detection' ? s.detectedAt : s.recoveredAt,
    // A stopped run waited only until it stopped: a target still open then stays undecided.
    nowSeconds: s.stop?.atSeconds ?? r.nowSeconds,
    ...(lastWhy ? { lastWhy } : {}),
  });
}
