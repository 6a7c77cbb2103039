import { setTimeout as sleep } from 'node:timers/promises';
import type { ExperimentConfig } from '../../core/abtest/experiment-config.ts';
import { type ExperimentState, initialExperimentState, observeCounters } from '../../core/abtest/experiment-state.ts';
import { type Action, actionFor, isAllControl } from '../../core/abtest/guardrail-policy.ts';
import { type ShadowReport, shadowReport } from '../../core/abtest/shadow.ts';
import { evaluateExperiment, noDataVerdict, type Verdict } from '../../core/abtest/verdict.ts';
import type { CounterSource } from './counter-source.ts';
import type { AbtestGauges } from './gauges.ts';
import type { Journal, JournalEntry } from './journal.ts';
import type { WeightsPort } from './weights-port.ts';

/**
 * The A/B controller: every `evaluateEvery` it reads the per-variant counters, folds them
 * into the experiment state, takes the verdict, and on `rollback` sets the gateway to 100%
 * control through the admin API. The statistics are core/ functions; this only fetches,
 * acts, records (journal) and exports (gauges).
 *
 * Safety rules: missing counters give `no_data` and leave the state untouched (nothing is
 * rolled back or shipped on missing data); a rollback, once due, stays due (the guardrail
 * e-process is latched), so a failed PUT is retried every tick until the gateway answers.
 */
export interface AbControllerOptions {
  config: ExperimentConfig;
  source: CounterSource;
  /** Omit for a dry run: verdicts and gauges, no weight changes. */
  admin?: WeightsPort;
  journal?: Journal;
  gauges?: AbtestGauges;
  /** Resume from a persisted state; otherwise start fresh. */
  state?: ExperimentState;
  /** Count from the first reading instead of from the counters' origin. */
  countFromNow?: boolean;
  /** Called with the state after every tick (to persist it). */
  onState?: (state: ExperimentState) => Promise<void> | void;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface TickResult {
  verdict: Verdict;
  /** Shadow (challenger) reports, beside the verdict; empty without mirrored traffic. */
  shadow: ShadowReport[];
  weights: Record<string, number> | undefined;
  action: Action;
  /** Set when the action was attempted. */
  applied?: { ok: true; weights: Record<string, number> } | { ok: false; error: string };
}

export class AbController {
  state: ExperimentState | undefined;
  lastVerdict: Verdict | undefined;
  rolledBackAt: Date | undefined;
  private readonly options: AbControllerOptions;
  private lastJournaled: string | undefined;

  constructor(options: AbControllerOptions) {
    this.options = options;
    this.state = options.state ?? (options.countFromNow ? undefined : initialExperimentState(options.config));
  }

  async tick(signal?: AbortSignal): Promise<TickResult> {
    const { config, source, admin } = this.options;
    const now = this.options.now ?? (() => new Date());
    let verdict: Verdict;
    let shadow: ShadowReport[] = [];
    // After a rollback the experiment is over: later traffic is all control and would only
    // skew the record (and trip the SRM check), so the verdict stays the one that acted.
    const reading = this.rolledBackAt && this.lastVerdict ? undefined : await source.read(signal);
    if (!reading) {
      verdict = this.lastVerdict as Verdict;
    } else if (!reading.ok) {
      verdict = noDataVerdict(config, reading.reason, this.state);
    } else {
      this.state = this.state
        ? observeCounters(this.state, reading.snapshot, config)
        : initialExperimentState(config, reading.snapshot);
      verdict = evaluateExperiment(this.state, config);
      shadow = (reading.shadow ?? []).map((c) =>
        shadowReport(c, { alpha: config.msprt.alpha, plannedSamples: config.msprt.plannedSamples }),
      );
    }
    this.lastVerdict = verdict;

    let weights: Record<string, number> | undefined;
    if (admin) {
      try {
        weights = await admin.getWeights(config.model, signal);
      } catch (error) {
        this.log(`cannot read gateway weights: ${(error as Error).message}`);
      }
    }
    const action = admin
      ? actionFor(verdict, weights, { model: config.model, control: config.control })
      : { kind: 'none' as const, reason: 'dry run: no admin API' };
    const result: TickResult = { verdict, shadow, weights, action };

    await this.record(verdict, now());
    if (action.kind === 'set_weights' && admin) {
      try {
        const after = await admin.setWeights(action.model, action.weights, signal);
        result.applied = { ok: true, weights: after };
        result.weights = after;
        if (isAllControl(after, config.control)) this.rolledBackAt ??= now();
        this.log(`rolled back ${config.model} to ${JSON.stringify(after)}: ${verdict.reason}`);
        await this.journal(
          { event: 'rollback', before: weights, after, reason: verdict.reason, verdict: brief(verdict) },
          now(),
        );
      } catch (error) {
        const message = (error as Error).message;
        result.applied = { ok: false, error: message };
        this.log(`rollback failed, retrying next tick: ${message}`);
        await this.journal({ event: 'rollback_failed', error: message, verdict: brief(verdict) }, now());
      }
    }
    this.options.gauges?.update(verdict, result.weights, config);
    if (this.state) await this.options.onState?.(this.state);
    return result;
  }

  /** Ticks every evaluateEvery until `signal` aborts. A tick never throws out of the loop. */
  async run(signal: AbortSignal): Promise<void> {
    const period = this.options.config.evaluateEverySeconds * 1000;
    await this.journal({ event: 'start', config: this.options.config }, (this.options.now ?? (() => new Date()))());
    while (!signal.aborted) {
      const started = Date.now();
      try {
        await this.tick(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.log(`tick failed: ${(error as Error).message}`);
      }
      const wait = Math.max(0, period - (Date.now() - started));
      // An abort ends the wait early (AbortError); the loop's condition then stops it. (The
      // hand-rolled wait this replaces left one abort listener per tick on the signal.)
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
    await this.journal(
      { event: 'stop', lastDecision: this.lastVerdict?.decision },
      (this.options.now ?? (() => new Date()))(),
    );
  }

  /** Journals a decision when it changes (not every tick: a journal, not a log). */
  private async record(verdict: Verdict, at: Date): Promise<void> {
    if (verdict.decision === this.lastJournaled) return;
    this.lastJournaled = verdict.decision;
    this.log(`${verdict.decision}: ${verdict.reason}`);
    await this.journal({ event: 'decision', ...brief(verdict) }, at);
  }

  private async journal(entry: { event: JournalEntry['event']; [field: string]: unknown }, at: Date): Promise<void> {
    if (!this.options.journal) return;
    try {
      await this.options.journal({ time: at.toISOString(), experiment: this.options.config.name, ...entry });
    } catch (error) {
      this.log(`journal write failed: ${(error as Error).message}`);
    }
  }

  private log(line: string): void {
    this.options.log?.(`[abtest ${this.options.config.name}] ${line}`);
  }
}

/** The verdict without the per-metric detail: what a journal line needs. */
function brief(v: Verdict) {
  return {
    decision: v.decision,
    reason: v.reason,
    statistic: v.statistic,
    threshold: v.threshold,
    n: v.n,
    interval: v.interval,
  };
}
