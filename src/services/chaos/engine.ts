import type { Journal, LoadSummary, PhaseCheck, StepRecord, Tick } from '../../core/chaos/journal.ts';
import { describePlan, type Timeline, timeline } from '../../core/chaos/plan.ts';
import type { RunEvent, RunListener, StepRole } from '../../core/chaos/run-events.ts';
import { assembleJournal, type RunRecord } from '../../core/chaos/run-journal.ts';
import {
  expectationsSettled,
  initialRunState,
  type RunInput,
  type RunRules,
  type RunState,
  recoveryClock,
  reduceRun,
  type StopCause,
  wanted,
} from '../../core/chaos/run-state.ts';
import { held, judge, type ProbeVerdict } from '../../core/chaos/verdict.ts';
import type { ActionSpec } from '../../core/spec/kinds/chaos/actions.ts';
import { effectiveBlastRadius } from '../../core/spec/kinds/chaos/blast-radius.ts';
import { isGatewayProbe, type ProbeSpec } from '../../core/spec/kinds/chaos/probes.ts';
import type { ChaosExperimentDocument } from '../../core/spec/kinds/chaos-experiment.ts';
import type { ChaosTargetSpec } from '../../core/spec/kinds/chaos-target.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import type { ChaosEnvironment } from './environment.ts';
import type { Clock, LoadControl, LoadStarter, ProbePort } from './ports.ts';
import { preflight } from './preflight.ts';
import type { ActionContext, ActionRegistry } from './providers/provider.ts';

/** Everything the engine runs on: the experiment and the ports (real, or the fakes of fakes/). */
export interface EngineOptions {
  document: ChaosExperimentDocument;
  file?: string;
  stack: StackSpec;
  target: ChaosTargetSpec;
  env: ChaosEnvironment;
  registry: ActionRegistry;
  probes: ProbePort;
  clock: Clock;
  /** Starts the experiment's built-in load (absent: the experiment's load cannot run). */
  startLoad?: LoadStarter;
  timeScale?: number;
  dryRun?: boolean;
  /** Run the experiment's own load (default true); off when traffic comes from elsewhere. */
  builtInLoad?: boolean;
  /** Interrupts the run (SIGINT/SIGTERM): the method stops, rollbacks run. */
  signal?: AbortSignal;
  onEvent?: RunListener;
}

/**
 * Runs one experiment (Chaos Toolkit's flow, with our checks): preflight guards, before
 * check, method with continuous probing and abort conditions, detection and recovery
 * timing, after check, and rollbacks that always run once anything was touched, also on
 * an interrupt or an error of the engine itself. The run's state lives in the pure reducer
 * of core/chaos/run-state.ts; this shell only reads probes, acts through the providers and
 * reports typed events. Returns the journal; never throws for what happens to the system
 * under test.
 */
export function runEngine(options: EngineOptions): Promise<Journal> {
  return new Engine(options).run();
}

class Engine {
  private readonly o: EngineOptions;
  private readonly spec: ChaosExperimentDocument['spec'];
  private readonly timeline: Timeline;
  private readonly rules: RunRules;
  private readonly clock: Clock;
  private readonly startedAt: Date;
  /** Aborts when the run stops early: every wait of the method ends at once. */
  private readonly stopped = new AbortController();
  /** Aborts when the run is over: the sampler and the bound timer end. */
  private readonly over = new AbortController();
  private state: RunState = initialRunState();
  private readonly ticks: Tick[] = [];
  private readonly method: StepRecord[] = [];
  private readonly rollbacks: StepRecord[] = [];
  /** Steps whose duration the stop cut short: their reverts run first in the rollback phase. */
  private readonly pendingReverts: { step: StepRecord; inverse: ActionSpec }[] = [];
  private load: LoadControl | undefined;
  private readonly ctx: ActionContext;

  constructor(options: EngineOptions) {
    this.o = options;
    this.spec = options.document.spec;
    this.clock = options.clock;
    this.startedAt = options.clock.date();
    this.timeline = timeline(this.spec, options.timeScale ?? 1);
    const r = this.spec.recovery;
    this.rules = {
      detection: this.spec.detection !== undefined,
      ...(r
        ? {
            recovery: {
              from: r.from,
              readsWindow: isGatewayProbe(r.probe),
              windowSeconds:
                'window' in r.probe && r.probe.window ? parseDuration(r.probe.window) : this.timeline.windowSeconds,
            },
          }
        : {}),
      aborts: this.spec.abort.map((a) => ({ name: a.name, forSeconds: parseDuration(a.for) })),
    };
    this.ctx = {
      spec: this.spec,
      stack: options.stack,
      target: options.target,
      limits: effectiveBlastRadius(options.target.blastRadius, this.spec.blastRadius),
      defaultModel: options.stack.models[0]?.name as string,
      builtInLoad: options.builtInLoad ?? true,
      load: () => this.load,
      signal: this.stopped.signal,
    };
  }

  private now(): number {
    return this.clock.now();
  }

  private emit(event: RunEvent): void {
    try {
      this.o.onEvent?.(event);
    } catch {
      // A listener's failure is not the experiment's: the run goes on.
    }
  }

  private dispatch(input: RunInput): void {
    const { state, transitions } = reduceRun(this.rules, this.state, input);
    this.state = state;
    for (const t of transitions) {
      if (t.type === 'stopped') this.stopped.abort();
      else this.emit(t);
    }
  }

  private halt(cause: StopCause, by?: string): void {
    this.dispatch({ type: 'stop', cause, at: this.now(), ...(by ? { by } : {}) });
  }

  /** Waits on the run's clock; false when the run was stopped meanwhile. */
  private sleep(seconds: number): Promise<boolean> {
    return this.clock.sleep(seconds, this.stopped.signal);
  }

  private scrape(): Promise<void> {
    return this.o.probes.scrape(() => this.now() * 1000);
  }

  async run(): Promise<Journal> {
    const onSignal = () => {
      const by = String(this.o.signal?.reason ?? 'a signal');
      this.emit({ type: 'interrupted', at: this.now(), by });
      this.halt('interrupted', by);
    };
    if (this.o.signal?.aborted) onSignal();
    else this.o.signal?.addEventListener('abort', onSignal, { once: true });
    void this.clock.sleep(this.timeline.maxSeconds, this.over.signal).then((elapsed) => {
      if (!elapsed) return;
      this.emit({
        type: 'error',
        at: this.now(),
        message: `the run exceeded its bound of ${this.timeline.maxSeconds.toFixed(0)} s: stopping`,
      });
      this.halt('error');
    });
    try {
      const journal = await this.runGuarded();
      this.emit({
        type: 'concluded',
        at: this.now(),
        status: journal.status,
        deviated: journal.deviated,
        dryRun: journal.dryRun,
        reason: journal.reason,
      });
      return journal;
    } finally {
      this.over.abort();
      this.o.signal?.removeEventListener('abort', onSignal);
    }
  }

  private async runGuarded(): Promise<Journal> {
    const plan = describePlan(this.o.document.metadata.name, this.spec, this.timeline);
    let checks: Awaited<ReturnType<typeof preflight>>;
    try {
      await this.o.registry.prepare(this.ctx);
      checks = await preflight({
        stack: this.o.stack,
        target: this.o.target,
        env: this.o.env,
        registry: this.o.registry,
        ctx: this.ctx,
      });
    } catch (error) {
      checks = { refusals: [`the preflight failed: ${(error as Error).message}`], checked: [] };
    }
    if (checks.refusals.length > 0) {
      this.emit({ type: 'refused', at: this.now(), reasons: checks.refusals });
      return this.journal({ refused: checks.refusals.join('; '), plan });
    }
    if (this.o.dryRun) {
      this.emit({ type: 'dry-run', at: this.now(), checked: checks.checked, plan });
      return this.journal({ plan, checked: checks.checked });
    }

    let error: string | undefined;
    let before: PhaseCheck | undefined;
    let after: PhaseCheck | undefined;
    let during: PhaseCheck | undefined;
    const sampler = this.samplerLoop();
    try {
      await this.startLoad();
      before = await this.beforePhase();
      if (before.held && !this.state.stop) {
        await this.methodPhase();
        await this.awaitExpectations();
        // The during hypothesis over the whole method and recovery, also when the run was stopped.
        if (this.state.faultStart !== null) during = await this.check('during');
        this.dispatch({ type: 'phase', phase: 'after', at: this.now() });
        if (!this.state.stop) {
          await this.scrape();
          this.o.probes.markPhase('after');
          if (await this.sleep(this.timeline.settleSeconds)) after = await this.check('after');
        }
      }
    } catch (e) {
      error = `the runner failed: ${(e as Error).message}`;
      this.emit({ type: 'error', at: this.now(), message: error });
      this.halt('error');
    }
    this.dispatch({ type: 'phase', phase: 'done', at: this.now() });
    await this.rollbackPhase();
    this.over.abort();
    await sampler;
    const load = await this.load?.stop().catch((e: Error) => {
      this.emit({ type: 'error', at: this.now(), message: `the built-in load failed: ${e.message}` });
      return undefined;
    });
    return this.journal({
      ...(error ? { error } : {}),
      ...(before ? { before } : {}),
      ...(after ? { after } : {}),
      ...(during ? { duringFinal: during } : {}),
      ...(load ? { load } : {}),
    });
  }

  private async startLoad(): Promise<void> {
    const spec = this.spec.load;
    if (!spec || !this.ctx.builtInLoad || !this.o.env.gatewayUrl) return;
    if (!this.o.startLoad) throw new Error('the experiment has a built-in load, but this run cannot start one');
    const started = await this.o.startLoad(spec);
    this.load = started.control;
    this.emit({
      type: 'load-started',
      at: this.now(),
      rate: spec.rate,
      ...(started.note ? { note: started.note } : {}),
    });
  }

  /** Samples every probe interval; during the method also judges the probes and the abort conditions. */
  private async samplerLoop(): Promise<void> {
    const interval = this.timeline.intervalSeconds;
    while (this.state.phase !== 'done' && !this.over.signal.aborted) {
      const started = this.now();
      await this.scrape();
      if (this.state.phase === 'during') await this.tick();
      await this.clock.sleep(interval - (this.now() - started), this.over.signal);
    }
  }

  private async tick(): Promise<void> {
    const at = this.now();
    const verdicts: ProbeVerdict[] = [];
    const probes = this.o.probes;
    for (const p of this.spec.steadyState.probes.filter((p) => p.phases.includes('during'))) {
      const scope = 'window' in p.probe && p.probe.window ? 'window' : 'phase';
      verdicts.push({ ...judge(p.name, await probes.read(p.probe, 'during'), p.tolerance), scope });
    }
    const want = wanted(this.rules, this.state);
    const d = this.spec.detection;
    // Without a window, detection reads everything since the first action.
    const detection =
      d && want.detection ? judge('detection', await probes.read(d.probe, 'during'), d.tolerance) : undefined;
    const r = this.spec.recovery;
    const recovery = r && want.recovery ? judge('recovery', await probes.read(r.probe), r.tolerance) : undefined;
    const aborts: Record<string, ProbeVerdict> = {};
    for (const a of this.spec.abort) aborts[a.name] = judge(`abort:${a.name}`, await probes.read(a.probe), a.tolerance);
    verdicts.push(...(detection ? [detection] : []), ...(recovery ? [recovery] : []), ...Object.values(aborts));
    this.dispatch({
      type: 'sample',
      at,
      ...(detection ? { detection } : {}),
      ...(recovery ? { recovery } : {}),
      aborts,
    });
    for (const v of verdicts.filter((v) => v.outcome !== 'ok' && v.scope === 'window'))
      this.emit({ type: 'window-deviation', at, verdict: v });
    this.ticks.push({ atSeconds: at, verdicts });
  }

  private async beforePhase(): Promise<PhaseCheck> {
    // The first scrape marks where the before phase (and its baselines) start.
    await this.scrape();
    this.o.probes.markPhase('before');
    await this.sleep(this.timeline.warmupSeconds);
    let check = await this.check('before');
    const waitUntil = this.now() + this.timeline.waitForSteadyStateSeconds;
    while (!check.held && !this.state.stop && this.now() + this.timeline.windowSeconds <= waitUntil + 1e-9) {
      this.emit({ type: 'steady-state-retry', at: this.now() });
      this.o.probes.markPhase('before');
      if (!(await this.sleep(this.timeline.windowSeconds))) break;
      check = await this.check('before');
    }
    await this.o.probes.captureBaselines([
      ...this.spec.steadyState.probes.map((p) => p.probe),
      ...this.probeSpecsOutsideHypothesis(),
    ]);
    return check;
  }

  private probeSpecsOutsideHypothesis(): ProbeSpec[] {
    return [
      ...(this.spec.detection ? [this.spec.detection.probe] : []),
      ...(this.spec.recovery ? [this.spec.recovery.probe] : []),
      ...this.spec.abort.map((a) => a.probe),
    ];
  }

  private async check(phase: 'before' | 'during' | 'after'): Promise<PhaseCheck> {
    await this.scrape();
    const verdicts: ProbeVerdict[] = [];
    for (const p of this.spec.steadyState.probes.filter((p) => p.phases.includes(phase))) {
      verdicts.push(judge(p.name, await this.o.probes.read(p.probe, phase), p.tolerance));
    }
    const check = { atSeconds: this.now(), held: held(verdicts), verdicts };
    this.emit({ type: 'hypothesis', at: check.atSeconds, phase, check });
    return check;
  }

  private async methodPhase(): Promise<void> {
    this.dispatch({ type: 'phase', phase: 'during', at: this.now() });
    for (const [i, step] of this.spec.method.entries()) {
      const times = this.timeline.steps[i] as Timeline['steps'][number];
      if (!(await this.sleep(times.pauseBefore))) break;
      const first = this.state.faultStart === null;
      if (first) {
        await this.scrape();
        this.o.probes.markPhase('during');
      }
      const record = await this.runStep(step.name, step.action, step.expect, 'method');
      // The fault starts when the first action started, counted once it has acted: a reading
      // taken while it was still acting would judge the system before the fault.
      if (first) this.dispatch({ type: 'fault-started', at: record.startSeconds });
      this.method.push(record);
      if (record.outcome === 'failed') {
        this.halt('error');
        break;
      }
      const inverse = step.duration ? this.o.registry.revert(step.action) : undefined;
      if (inverse) {
        const pending = { step: record, inverse };
        this.pendingReverts.push(pending);
        if (!(await this.sleep(times.duration))) break;
        this.pendingReverts.splice(this.pendingReverts.indexOf(pending), 1);
        record.revert = await this.runStep(step.name, inverse, 'success', 'revert');
        if (record.revert.outcome === 'failed') {
          this.halt('error');
          break;
        }
      }
      if (!(await this.sleep(times.pauseAfter))) break;
    }
    this.dispatch({ type: 'method-ended', at: this.now() });
  }

  /** After the method: keep probing until detection and recovery are decided (bounded by their targets). */
  private async awaitExpectations(): Promise<void> {
    const deadlines: number[] = [];
    if (this.spec.detection && this.state.faultStart !== null)
      deadlines.push(this.state.faultStart + (this.timeline.detectionWithin ?? 0));
    const clock = recoveryClock(this.rules, this.state);
    if (clock !== null) deadlines.push(clock + (this.timeline.recoveryWithin ?? 0));
    const until = Math.max(0, ...deadlines) + this.timeline.intervalSeconds;
    while (!this.state.stop && this.now() < until && !expectationsSettled(this.rules, this.state)) {
      await this.sleep(0.1);
    }
  }

  private async rollbackPhase(): Promise<void> {
    this.emit({
      type: 'rollback',
      at: this.now(),
      steps: this.spec.rollbacks.length,
      cutShort: this.pendingReverts.map((p) => p.step.name),
    });
    for (const { step, inverse } of this.pendingReverts.splice(0).reverse()) {
      step.revert = await this.runStep(step.name, inverse, 'success', 'revert');
    }
    for (const r of this.spec.rollbacks)
      this.rollbacks.push(await this.runStep(r.name, r.action, 'success', 'rollback'));
  }

  private async runStep(
    name: string,
    action: ActionSpec,
    expect: 'success' | 'failure',
    role: StepRole,
  ): Promise<StepRecord> {
    const startSeconds = this.now();
    this.emit({ type: 'action-started', at: startSeconds, role, name, action });
    let detail: string | undefined;
    let measuredSeconds: number | undefined;
    let failure: string | undefined;
    try {
      const result = await this.o.registry.act(action, this.ctx);
      detail = result.detail;
      measuredSeconds = result.measuredSeconds;
    } catch (e) {
      failure = (e as Error).message;
    }
    const base = { name, type: action.type, startSeconds, endSeconds: this.now(), expected: expect };
    let record: StepRecord;
    if (expect === 'failure') {
      record = failure
        ? { ...base, outcome: 'succeeded', detail: `failed as expected: ${failure}` }
        : {
            ...base,
            outcome: 'failed',
            ...(detail ? { detail } : {}),
            error: 'expected this action to fail, but it succeeded',
          };
    } else {
      record = failure
        ? { ...base, outcome: 'failed', error: failure }
        : { ...base, outcome: 'succeeded', ...(detail ? { detail } : {}) };
    }
    if (measuredSeconds !== undefined) record.measuredSeconds = measuredSeconds;
    this.emit({ type: 'action-finished', at: this.now(), role, step: record });
    return record;
  }

  private journal(
    extra: Pick<RunRecord, 'refused' | 'error' | 'before' | 'after' | 'duringFinal' | 'plan' | 'checked'> & {
      load?: LoadSummary;
    },
  ): Journal {
    return assembleJournal({
      document: this.o.document,
      ...(this.o.file ? { file: this.o.file } : {}),
      timeline: this.timeline,
      state: this.state,
      ticks: this.ticks,
      method: this.method,
      rollbacks: this.rollbacks,
      startedAt: this.startedAt.toISOString(),
      endedAt: this.clock.date().toISOString(),
      nowSeconds: this.now(),
      dryRun: this.o.dryRun ?? false,
      ...extra,
    });
  }
}
