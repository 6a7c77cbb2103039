import type { ActionType } from '../spec/kinds/chaos/actions.ts';
import type { Tolerance } from '../spec/kinds/chaos/probes.ts';
import type { ChaosExperimentSpec } from '../spec/kinds/chaos-experiment.ts';
import type { ProbeVerdict } from './verdict.ts';

/**
 * The record of one run (Chaos Toolkit's journal, our fields): what was done when, every
 * probe value, and the conclusion. Written as JSON by `chaos run`, rendered to JUnit XML,
 * pushed to Pushgateway by scheduled runs, read by the game-day report.
 */
export type RunStatus = 'completed' | 'failed' | 'aborted' | 'interrupted';

export interface StepRecord {
  name: string;
  type: ActionType;
  /** Seconds since the run started. */
  startSeconds: number;
  endSeconds: number;
  outcome: 'succeeded' | 'failed';
  expected: 'success' | 'failure';
  /** What it did, e.g. "SIGKILL to tritonserver process group 1234". */
  detail?: string;
  error?: string;
  /** Seconds the action measured itself (pod-delete: until the replacements were Ready). */
  measuredSeconds?: number;
  /** The automatic inverse run after `duration`. */
  revert?: StepRecord;
}

export interface PhaseCheck {
  atSeconds: number;
  held: boolean;
  verdicts: ProbeVerdict[];
}

export interface Tick {
  atSeconds: number;
  /** "During" hypothesis probes, then detection, recovery and abort probes, by name. */
  verdicts: ProbeVerdict[];
}

export interface ExpectationRecord {
  kind: 'detection' | 'recovery';
  probe: string;
  tolerance: Tolerance;
  /** As written in the experiment, and after the run's time scale. */
  declaredWithinSeconds: number;
  withinSeconds: number;
  /** When the clock started (first action, or end of the fault), seconds since run start. */
  fromSeconds: number | null;
  measuredSeconds: number | null;
  /** null: the run ended before the expectation could be decided. */
  met: boolean | null;
  why: string;
}

export interface LoadSummary {
  rate: number;
  sent: number;
  answered: number;
  failed: number;
  /** Arrivals not sent because too many were in flight (the driver never queues). */
  dropped: number;
  byServedBy: Record<string, number>;
}

export interface Journal {
  journalVersion: 1;
  experiment: {
    name: string;
    description?: string;
    file?: string;
    target: ChaosExperimentSpec['target'];
    playbook: ChaosExperimentSpec['playbook'];
  };
  status: RunStatus;
  /** The hypothesis did not hold during or after the method, or a detection/recovery target was missed. */
  deviated: boolean;
  dryRun: boolean;
  /** One line: why the run ended as it did. */
  reason: string;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  timeScale: number;
  before?: PhaseCheck;
  /**
   * `probes`: the hypothesis probes checked during the method; `final`: their verdicts over
   * the whole method and recovery; `ticks`: every probe value at every check (running values,
   * sliding windows, detection, recovery, abort conditions).
   */
  during: { held: boolean | null; probes: string[]; final?: PhaseCheck; ticks: Tick[] };
  after?: PhaseCheck;
  detection?: ExpectationRecord;
  recovery?: ExpectationRecord;
  abort?: { condition: string; atSeconds: number; verdict: ProbeVerdict };
  method: StepRecord[];
  rollbacks: StepRecord[];
  load?: LoadSummary;
  /** Refusals (guards) and runner errors. */
  error?: string;
  /** The plan a dry run printed. */
  plan?: string[];
  /** What a dry run checked (it measured nothing). */
  checked?: string[];
}
