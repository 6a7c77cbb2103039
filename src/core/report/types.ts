/**
 * The game-day result: everything the report shows, as plain data. The game-day job fills it
 * from the chaos journal (experiments, fault windows), the load driver (series; see
 * ./from-load.ts), Prometheus (SLO budget, drift and A/B gauges) and the Alertmanager webhook
 * receiver (pages). The renderers (./html.ts, ./markdown.ts, ./console.ts) are pure functions
 * of it, so a result saved as JSON renders the same report again.
 *
 * Times are epoch milliseconds (Date.now(), Prometheus timestamps x 1000). A value of NaN in a
 * series means "no data" for that instant and is drawn as a gap, never as zero.
 */

export type EpochMs = number;

export interface TimePoint {
  atMs: EpochMs;
  value: number;
}

export interface TierSharePoint {
  atMs: EpochMs;
  /** served_by tier -> share of requests in the step (0..1). Missing tiers are 0; an empty object is "no data". */
  shares: Record<string, number>;
}

/** When a fault was active (the chaos journal's method: action start to rollback). */
export interface FaultWindow {
  experiment: string;
  /** What was broken, e.g. "Triton killed", "500 ms latency on v2". */
  label: string;
  startMs: EpochMs;
  /** null: still active when the run ended (a rollback that did not happen is itself a finding). */
  endMs: EpochMs | null;
}

export interface SloTargets {
  /** The latency SLO, e.g. p99 < 100 ms: quantile 0.99, thresholdMs 100. */
  latencyQuantile: number;
  latencyThresholdMs: number;
  /** Availability objective, e.g. 0.9995; the error budget is 1 - objective. */
  availabilityObjective: number;
}

export interface ErrorBudgetUse {
  slo: string;
  objective: number;
  /** Share of the SLO period's whole error budget this run consumed (0.02 = 2%). NaN: no data. */
  consumedRatio: number;
  /** Share left at the end of the run over the SLO period (Prometheus), when known. */
  remainingRatio: number | null;
}

export interface LoadFigures {
  ratePerSecond: number;
  achievedRatePerSecond: number;
  sent: number;
  dropped: number;
  /** Whole run; NaN: no data. */
  p99Ms: number;
  errorRatio: number;
}

export interface AbDecision {
  atMs: EpochMs;
  experiment: string;
  /** The controller's decision, e.g. "continue", "promote", "rollback". */
  decision: string;
  /** Its explanation (statistic, threshold, n). */
  reason: string;
  /** Variant weights after the decision, when it changed them. */
  weights?: Record<string, number>;
}

export interface DriftSeries {
  feature: string;
  /** e.g. "psi", "ks", "chi2". */
  statistic: string;
  /** The score at or above which the watcher reports drift. */
  threshold: number;
  points: TimePoint[];
}

/**
 * held: the steady-state hypothesis held before, during and after. deviated: a probe left its
 * tolerance. aborted: an abort condition stopped it (rollbacks ran). failed: the experiment
 * itself errored. interrupted: SIGINT/SIGTERM. not_run: no journal for it ("no data").
 */
export type ExperimentVerdict = 'held' | 'deviated' | 'aborted' | 'failed' | 'interrupted' | 'not_run';

export interface ExperimentOutcome {
  name: string;
  title: string;
  hypothesis: string;
  verdict: ExperimentVerdict;
  /** Why, in words: the probes that deviated with value and tolerance, or the error. */
  explanation: string[];
  /** Fault start to the first alert / probe that noticed it; null: never detected or no data. */
  detectionSeconds: number | null;
  detectionTargetSeconds: number | null;
  /** Fault end to steady state again; null: never recovered or no data. */
  recoverySeconds: number | null;
  recoveryTargetSeconds: number | null;
  /** Alert names this experiment should page with, and those that arrived during it. */
  pagesExpected: string[];
  pagesReceived: string[];
}

/** One notification the Alertmanager webhook receiver recorded. */
export interface PageRecord {
  atMs: EpochMs;
  alertname: string;
  severity: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
}

/** One stage of a deploy on the run's time axis (the deploy journal's record). */
export interface DeployStageBand {
  stage: string;
  startMs: EpochMs;
  /** null: still open when the run ended. */
  endMs: EpochMs | null;
  outcome: string;
  reason: string;
}

/** A deploy the game day ran (the ship-model phase): its stages, the canary's decisions, what users saw meanwhile. */
export interface DeployRecord {
  /** "fraud v6 (good)". */
  title: string;
  /** promoted, rolled_back, refused, failed, running. */
  status: string;
  reason: string;
  startMs: EpochMs;
  endMs: EpochMs | null;
  stages: DeployStageBand[];
  /** The canary's looks that decided something (advance, rollback). */
  decisions: { atMs: EpochMs; percent: number; decision: string; reason: string }[];
  /** Load requests sent while it ran, and those not answered well (not 200 from a good tier); null: no data. */
  requests: number | null;
  failedRequests: number | null;
}

export interface GameDayResult {
  title: string;
  mode: 'quick' | 'full';
  startedAtMs: EpochMs;
  endedAtMs: EpochMs;
  slo: SloTargets;
  load: LoadFigures;
  series: {
    /** The latency quantile of slo.latencyQuantile per step, in ms. */
    latencyMs: TimePoint[];
    /** 1 - good / total per step (GOOD_SERVED_BY), 0..1. */
    errorRatio: TimePoint[];
    tierShare: TierSharePoint[];
  };
  faultWindows: FaultWindow[];
  errorBudget: ErrorBudgetUse[];
  abDecisions: AbDecision[];
  drift: DriftSeries[];
  experiments: ExperimentOutcome[];
  pages: PageRecord[];
  /** Deploys shipped under load (`gameday --ship-model`); absent or empty: none ran. */
  deploys?: DeployRecord[];
}
