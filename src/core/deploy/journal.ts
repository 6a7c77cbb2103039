/**
 * A deploy's journal and its stage machine, pure: every stage appends a record with its
 * start, end, duration, outcome and one-line reason, and `nextStage` reads what to do next
 * from the journal alone. The service writes the journal to disk after every change, so a
 * deploy killed at any point resumes from the file (an open stage is run again: every
 * stage is idempotent) and a deploy that already ended is not repeated.
 */

export const STAGES = ['fetch', 'validate', 'publish', 'shadow', 'canary', 'promote'] as const;
export type ForwardStage = (typeof STAGES)[number];
/** `rollback` runs only after the canary (or a later stage) said so. */
export type Stage = ForwardStage | 'rollback';
export type StageOutcome = 'ok' | 'refused' | 'rollback' | 'failed';
export type DeployStatus = 'running' | 'promoted' | 'rolled_back' | 'refused' | 'failed';

export interface StageRecord {
  stage: Stage;
  startedAt: string;
  endedAt?: string;
  durationSeconds?: number;
  outcome?: StageOutcome;
  reason?: string;
  /** Figures the stage measured (p99, agreement, the canary's looks ...). */
  details?: Record<string, unknown>;
  /** Times this stage was started (1 + resumes after a crash). */
  attempts: number;
}

/** What the serving side looked like before the deploy touched it: what a rollback restores. */
export interface DeployBaseline {
  championVersion: string | undefined;
  championTritonModel: string;
  canaryTritonModel: string;
  weights: Record<string, number>;
  shadow: string | null;
}

export interface CanaryLookRecord {
  at: string;
  percent: number;
  decision: string;
  reason: string;
  champion: { requests: number; errors: number };
  canary: { requests: number; errors: number };
}

export interface DeployJournal {
  id: string;
  /** The registered model. */
  registeredModel: string;
  /** The Stack model it serves. */
  model: string;
  version: string;
  /** How it was asked for: `--version 4` or `--alias challenger`. */
  requested: string;
  tritonModel: string;
  startedAt: string;
  endedAt?: string;
  /** Registration (the version's creation) to 100% or rollback, the deploy-speed SLO's measure. */
  leadTimeSeconds?: number;
  /** The version's registration time (ms since the epoch), from the registry. */
  registeredAtMs?: number;
  durationSeconds?: number;
  status: DeployStatus;
  reason?: string;
  baseline?: DeployBaseline;
  stages: StageRecord[];
  canaryLooks: CanaryLookRecord[];
}

export function newJournal(fields: {
  registeredModel: string;
  model: string;
  version: string;
  requested: string;
  tritonModel: string;
  now: Date;
}): DeployJournal {
  return {
    id: `${fields.registeredModel}-v${fields.version}-${fields.now.toISOString().replace(/[:.]/g, '-')}`,
    registeredModel: fields.registeredModel,
    model: fields.model,
    version: fields.version,
    requested: fields.requested,
    tritonModel: fields.tritonModel,
    startedAt: fields.now.toISOString(),
    status: 'running',
    stages: [],
    canaryLooks: [],
  };
}

/** The stage to run now, or undefined when the deploy has ended. */
export function nextStage(journal: DeployJournal): Stage | undefined {
  if (journal.status !== 'running') return undefined;
  const last = journal.stages.at(-1);
  if (!last) return 'fetch';
  if (last.endedAt === undefined) return last.stage; // interrupted: run it again
  if (last.outcome === 'rollback') return 'rollback';
  if (last.stage === 'rollback') return undefined;
  const index = STAGES.indexOf(last.stage as ForwardStage);
  return STAGES[index + 1];
}

export function beginStage(journal: DeployJournal, stage: Stage, now: Date): DeployJournal {
  const last = journal.stages.at(-1);
  if (last && last.stage === stage && last.endedAt === undefined) {
    // A resume: same record, one more attempt, the clock keeps the first start.
    return { ...journal, stages: [...journal.stages.slice(0, -1), { ...last, attempts: last.attempts + 1 }] };
  }
  return {
    ...journal,
    stages: [...journal.stages, { stage, startedAt: now.toISOString(), attempts: 1 }],
  };
}

/** Closes the open stage and moves the deploy's status where the outcome leads. */
export function endStage(
  journal: DeployJournal,
  outcome: StageOutcome,
  reason: string,
  now: Date,
  details?: Record<string, unknown>,
): DeployJournal {
  const last = journal.stages.at(-1);
  if (!last || last.endedAt !== undefined) throw new Error(`deploy ${journal.id}: no open stage to end`);
  const record: StageRecord = {
    ...last,
    endedAt: now.toISOString(),
    durationSeconds: seconds(last.startedAt, now),
    outcome,
    reason,
    ...(details ? { details: { ...last.details, ...details } } : {}),
  };
  const next: DeployJournal = { ...journal, stages: [...journal.stages.slice(0, -1), record] };
  const status = statusAfter(record);
  if (status === 'running') return next;
  return finish(next, status, reason, now);
}

/** Ends the deploy without a stage (e.g. refused by the error budget gate before it started). */
export function finish(journal: DeployJournal, status: DeployStatus, reason: string, now: Date): DeployJournal {
  const durationSeconds = seconds(journal.startedAt, now);
  const leadTimeSeconds =
    journal.registeredAtMs !== undefined ? Math.max(0, (now.getTime() - journal.registeredAtMs) / 1000) : undefined;
  return {
    ...journal,
    status,
    reason,
    endedAt: now.toISOString(),
    durationSeconds,
    ...(leadTimeSeconds !== undefined ? { leadTimeSeconds } : {}),
  };
}

function statusAfter(record: StageRecord): DeployStatus {
  if (record.outcome === 'failed') return 'failed';
  if (record.outcome === 'refused') return 'refused';
  if (record.stage === 'rollback') return 'rolled_back';
  if (record.outcome === 'rollback') return 'running';
  return record.stage === 'promote' ? 'promoted' : 'running';
}

function seconds(startIso: string, now: Date): number {
  return Math.max(0, (now.getTime() - Date.parse(startIso)) / 1000);
}

/** One line per stage for a terminal: "validate  2.1 s  ok  p99 12 ms within 50 ms". */
export function describeJournal(journal: DeployJournal): string[] {
  const lines = [`deploy ${journal.id}: ${journal.registeredModel} version ${journal.version} -> ${journal.status}`];
  for (const s of journal.stages) {
    const took = s.durationSeconds !== undefined ? `${s.durationSeconds.toFixed(1)} s` : 'running';
    lines.push(`  ${s.stage.padEnd(9)} ${took.padStart(8)}  ${(s.outcome ?? '').padEnd(8)} ${s.reason ?? ''}`);
  }
  if (journal.reason && journal.status !== 'running') lines.push(`  => ${journal.reason}`);
  return lines;
}
