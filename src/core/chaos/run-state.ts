import type { Journal } from './journal.ts';
import type { ProbeVerdict } from './verdict.ts';

/**
 * The state of one experiment run as a pure reducer over timestamped inputs (seconds since
 * the run started, from the engine's injected clock): when the fault started and ended,
 * when detection and recovery were first seen, which abort condition fired, and why the
 * run stopped. The engine feeds it; every transition here is a unit-tested rule.
 */
export type RunPhase = 'before' | 'during' | 'after' | 'done';
export type StopCause = 'interrupted' | 'aborted' | 'error';

export interface RunState {
  phase: RunPhase;
  /** The first action's start (set once that action has acted). */
  faultStart: number | null;
  /** The end of the method (its last step, or where it was cut short). */
  faultEnd: number | null;
  detectedAt: number | null;
  recoveredAt: number | null;
  /** The recovery probe was seen outside its tolerance since the fault started. */
  recoverySeenFailing: boolean;
  lastDetectionWhy?: string;
  lastRecoveryWhy?: string;
  /** Since when each abort condition has been outside its tolerance. */
  abortSince: Readonly<Record<string, number>>;
  abort?: NonNullable<Journal['abort']>;
  /** The first reason the run stopped early; later ones do not overwrite it. */
  stop?: { cause: StopCause; atSeconds: number; by?: string };
}

/** What the experiment declares about detection, recovery and aborts, as the reducer needs it. */
export interface RunRules {
  detection: boolean;
  recovery?: {
    from: 'fault-start' | 'fault-end';
    /**
     * A gateway probe reads a sliding window that may still hold healthy traffic from before
     * the fault: its "ok" counts only once the fault was seen to bite, the window has passed
     * since the clock started, or the fault is over. A reading of the moment (weights,
     * readiness, pods) counts at once.
     */
    readsWindow: boolean;
    windowSeconds: number;
  };
  aborts: readonly { name: string; forSeconds: number }[];
}

export type RunInput =
  | { type: 'phase'; phase: RunPhase; at: number }
  /** The first action acted; `at` is when it started. */
  | { type: 'fault-started'; at: number }
  | { type: 'method-ended'; at: number }
  /** One check during the method: the verdicts of the probes the engine was asked to read. */
  | {
      type: 'sample';
      at: number;
      detection?: ProbeVerdict;
      recovery?: ProbeVerdict;
      aborts?: Readonly<Record<string, ProbeVerdict>>;
    }
  | { type: 'stop'; cause: StopCause; at: number; by?: string };

export type RunTransition =
  | { type: 'detected'; at: number; afterSeconds: number; why: string }
  | { type: 'recovered'; at: number; afterSeconds: number; why: string }
  | { type: 'aborted'; at: number; condition: string; why: string }
  | { type: 'stopped'; at: number; cause: StopCause; by?: string };

export function initialRunState(): RunState {
  return {
    phase: 'before',
    faultStart: null,
    faultEnd: null,
    detectedAt: null,
    recoveredAt: null,
    recoverySeenFailing: false,
    abortSince: {},
  };
}

/** Where the recovery clock starts: the first action, or the end of the fault. */
export function recoveryClock(rules: RunRules, s: RunState): number | null {
  if (!rules.recovery) return null;
  return rules.recovery.from === 'fault-end' ? s.faultEnd : s.faultStart;
}

/** Which probes the next sample needs: detection and recovery only while they are open. */
export function wanted(rules: RunRules, s: RunState): { detection: boolean; recovery: boolean } {
  return {
    detection: rules.detection && s.faultStart !== null && s.detectedAt === null,
    recovery: rules.recovery !== undefined && recoveryClock(rules, s) !== null && s.recoveredAt === null,
  };
}

/** Detection and recovery are both decided (or not asked for). */
export function expectationsSettled(rules: RunRules, s: RunState): boolean {
  return (!rules.detection || s.detectedAt !== null) && (!rules.recovery || s.recoveredAt !== null);
}

export function reduceRun(
  rules: RunRules,
  s: RunState,
  input: RunInput,
): { state: RunState; transitions: RunTransition[] } {
  switch (input.type) {
    case 'phase':
      return { state: { ...s, phase: input.phase }, transitions: [] };
    case 'fault-started':
      return { state: s.faultStart === null ? { ...s, faultStart: input.at } : s, transitions: [] };
    case 'method-ended':
      return { state: { ...s, faultEnd: input.at }, transitions: [] };
    case 'stop':
      return stop(s, input.cause, input.at, input.by);
    case 'sample':
      return sample(rules, s, input);
  }
}

function stop(
  s: RunState,
  cause: StopCause,
  at: number,
  by?: string,
): { state: RunState; transitions: RunTransition[] } {
  if (s.stop) return { state: s, transitions: [] };
  return {
    state: { ...s, stop: { cause, atSeconds: at, ...(by ? { by } : {}) } },
    transitions: [{ type: 'stopped', at, cause, ...(by ? { by } : {}) }],
  };
}

function sample(
  rules: RunRules,
  before: RunState,
  input: Extract<RunInput, { type: 'sample' }>,
): { state: RunState; transitions: RunTransition[] } {
  // Samples count only during the method (and its wait for detection and recovery).
  if (before.phase !== 'during') return { state: before, transitions: [] };
  const at = input.at;
  const want = wanted(rules, before);
  let s = before;
  const transitions: RunTransition[] = [];

  const d = input.detection;
  if (want.detection && d && s.faultStart !== null) {
    s = { ...s, lastDetectionWhy: d.why };
    if (d.outcome === 'ok') {
      s = { ...s, detectedAt: at };
      transitions.push({ type: 'detected', at, afterSeconds: at - s.faultStart!, why: d.why });
    }
  }

  const r = input.recovery;
  const clock = recoveryClock(rules, s);
  if (want.recovery && r && rules.recovery && clock !== null) {
    s = { ...s, lastRecoveryWhy: r.why };
    if (r.outcome !== 'ok') s = { ...s, recoverySeenFailing: true };
    else if (
      !rules.recovery.readsWindow ||
      s.recoverySeenFailing ||
      (s.faultEnd !== null && at >= s.faultEnd) ||
      at - clock >= rules.recovery.windowSeconds
    ) {
      s = { ...s, recoveredAt: at };
      transitions.push({ type: 'recovered', at, afterSeconds: at - clock, why: r.why });
    }
  }

  // An abort condition fires once it has been outside its tolerance for its `for`.
  const since: Record<string, number> = { ...s.abortSince };
  for (const a of rules.aborts) {
    const v = input.aborts?.[a.name];
    if (!v) continue;
    if (v.outcome !== 'deviated') {
      delete since[a.name];
      continue;
    }
    since[a.name] ??= at;
    if (at - (since[a.name] as number) >= a.forSeconds && !s.abort) {
      s = { ...s, abort: { condition: a.name, atSeconds: at, verdict: v } };
      transitions.push({ type: 'aborted', at, condition: a.name, why: v.why });
      const stopped = stop(s, 'aborted', at);
      s = stopped.state;
      transitions.push(...stopped.transitions);
    }
  }
  s = { ...s, abortSince: since };
  return { state: s, transitions };
}
