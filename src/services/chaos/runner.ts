import { join } from 'node:path';
import { withRedis } from '../../adapters/chaos/redis-admin.ts';
import { readDatasetCsv } from '../../adapters/files/dataset-csv.ts';
import { paths } from '../../adapters/process/paths.ts';
import { conclude } from '../../core/chaos/conclusion.ts';
import { decideExpectation } from '../../core/chaos/expectation.ts';
import type { ExpectationRecord, Journal, PhaseCheck, StepRecord, Tick } from '../../core/chaos/journal.ts';
import { describePlan, timeline } from '../../core/chaos/plan.ts';
import { ENTITY_FEATURES, TrafficGenerator } from '../../core/chaos/traffic.ts';
import { held, judge, type ProbeVerdict } from '../../core/chaos/verdict.ts';
import type { FeatureValue } from '../../core/spec/feature-schema.ts';
import { type ActionSpec, revertOf } from '../../core/spec/kinds/chaos/actions.ts';
import { isGatewayProbe, type ProbeSpec } from '../../core/spec/kinds/chaos/probes.ts';
import type { ChaosExperimentDocument } from '../../core/spec/kinds/chaos-experiment.ts';
import type { ChaosTargetSpec } from '../../core/spec/kinds/chaos-target.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import { loadFeatureSchema } from '../../gateway/start.ts';
import { deletePodsAndWait } from './kubernetes-driver.ts';
import { LoadDriver } from './load-driver.ts';
import type { LocalAction } from './local-driver.ts';
import { type ChaosEnvironment, preflight } from './preflight.ts';
import { ProbeReader } from './probe-reader.ts';

export type { ChaosEnvironment } from './preflight.ts';

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
  log?: (line: string) => void;
  /** Feature rows for the built-in load (default: serving/data/test.csv). */
  featureRows?: () => Record<string, FeatureValue>[];
}

/**
 * Runs one experiment (Chaos Toolkit's flow, with our checks): preflight guards, before
 * check, method with continuous probing and abort conditions, detection and recovery
 * timing, after check, and rollbacks that always run once anything was touched, also on
 * an interrupt or an error of the runner itself. Returns the journal; never throws for
 * what happens to the system under test.
 */
export async function runExperiment(options: RunOptions): Promise<Journal> {
  return new ExperimentRun(options).run();
}

class ExperimentRun {
  private readonly o: RunOptions;
  private readonly spec: ChaosExperimentDocument['spec'];
  private readonly t = performance.now();
  private readonly startedAt = new Date();
  private readonly stop = new AbortController();
  private stopCause: 'interrupted' | 'aborted' | 'error' | undefined;
  private stoppedAt: number | undefined;
  private interruptedBy: string | undefined;
  private readonly reader: ProbeReader;
  private readonly ticks: Tick[] = [];
  private phase: 'before' | 'during' | 'after' | 'done' = 'before';
  private faultStart: number | null = null;
  private faultEnd: number | null = null;
  private detectedAt: number | null = null;
  private recoveredAt: number | null = null;
  private recoverySeenFailing = false;
  private lastDetectionWhy: string | undefined;
  private lastRecoveryWhy: string | undefined;
  private readonly abortSince = new Map<string, number>();
  private abort: Journal['abort'];
  private load: LoadDriver | undefined;
  private readonly weightsFound = new Map<string, Record<string, number>>();
  private readonly method: StepRecord[] = [];
  private readonly rollbacks: StepRecord[] = [];
  private pendingRevert: { step: StepRecord; action: ActionSpec } | undefined;
  private readonly timeline;
  private readonly defaultModel: string;

  constructor(options: RunOptions) {
    this.o = options;
    this.spec = options.document.spec;
    this.timeline = timeline(this.spec, options.timeScale ?? 1);
    this.defaultModel = options.stack.models[0]?.name as string;
    const windows = [
      this.timeline.windowSeconds,
      ...[...this.spec.steadyState.probes.map((p) => p.probe), ...this.probeSpecsOutsideHypothesis()].map((p) =>
        'window' in p && p.window ? parseDuration(p.window) : 0,
      ),
    ];
    this.reader = new ProbeReader(
      {
        ...(options.env.gatewayUrl ? { gatewayUrl: options.env.gatewayUrl } : {}),
        ...(options.env.admin ? { admin: options.env.admin } : {}),
        ...(options.env.prometheus ? { prometheus: options.env.prometheus } : {}),
        ...(options.env.pods ? { pods: options.env.pods } : {}),
        tritonUrl: () => options.env.local?.stack.triton?.url,
        defaultModel: this.defaultModel,
        defaultWindowSeconds: this.timeline.windowSeconds,
        minRequests: this.spec.steadyState.minRequests,
      },
      Math.max(...windows) * 2 + 5,
    );
  }

  private probeSpecsOutsideHypothesis(): ProbeSpec[] {
    return [
      ...(this.spec.detection ? [this.spec.detection.probe] : []),
      ...(this.spec.recovery ? [this.spec.recovery.probe] : []),
      ...this.spec.abort.map((a) => a.probe),
    ];
  }

  private now(): number {
    return (performance.now() - this.t) / 1000;
  }

  private log(line: string): void {
    this.o.log?.(`[${this.now().toFixed(1).padStart(6)} s] ${line}`);
  }

  /** Resolves after `seconds`, or early (false) when the run is stopped. */
  private sleep(seconds: number): Promise<boolean> {
    if (this.stop.signal.aborted) return Promise.resolve(false);
    if (seconds <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.stop.signal.removeEventListener('abort', onStop);
        resolve(true);
      }, seconds * 1000);
      const onStop = () => {
        clearTimeout(timer);
        resolve(false);
      };
      this.stop.signal.addEventListener('abort', onStop, { once: true });
    });
  }

  private halt(cause: 'interrupted' | 'aborted' | 'error'): void {
    if (!this.stopCause) {
      this.stopCause = cause;
      this.stoppedAt = this.now();
    }
    this.stop.abort();
  }

  async run(): Promise<Journal> {
    const onSignal = () => {
      this.interruptedBy = String(this.o.signal?.reason ?? 'a signal');
      this.log(`interrupted (${this.interruptedBy}): stopping the method, rolling back`);
      this.halt('interrupted');
    };
    if (this.o.signal?.aborted) onSignal();
    else this.o.signal?.addEventListener('abort', onSignal, { once: true });
    const hardStop = setTimeout(() => {
      this.log(`the run exceeded its bound of ${this.timeline.maxSeconds.toFixed(0)} s: stopping`);
      this.halt('error');
    }, this.timeline.maxSeconds * 1000);
    try {
      return await this.runGuarded();
    } finally {
      clearTimeout(hardStop);
      this.o.signal?.removeEventListener('abort', onSignal);
    }
  }

  private async runGuarded(): Promise<Journal> {
    if (this.o.env.admin) {
      for (const m of this.o.stack.models) {
        const w = await this.o.env.admin.getWeights(m.name).catch(() => undefined);
        if (w) this.weightsFound.set(m.name, w);
      }
    }
    this.o.env.local?.capture();
    const refusals = await preflight({
      spec: this.spec,
      stack: this.o.stack,
      target: this.o.target,
      env: this.o.env,
      builtInLoad: this.o.builtInLoad ?? true,
      weightsFound: this.weightsFound,
    });
    const plan = describePlan(this.o.document.metadata.name, this.spec, this.timeline);
    if (refusals.length > 0) {
      for (const r of refusals) this.log(`refused: ${r}`);
      return this.journal({ refused: refusals.join('; '), plan });
    }
    if (this.o.dryRun) {
      for (const line of plan) this.log(`plan: ${line}`);
      return this.journal({ plan });
    }

    let error: string | undefined;
    let before: PhaseCheck | undefined;
    let after: PhaseCheck | undefined;
    let during: PhaseCheck | undefined;
    const sampler = this.samplerLoop();
    try {
      await this.startLoad();
      before = await this.beforePhase();
      if (before.held && !this.stop.signal.aborted) {
        await this.methodPhase();
        await this.awaitExpectations();
        // The during hypothesis over the whole method and recovery, also when the run was stopped.
        if (this.faultStart !== null) during = await this.check('during');
        this.phase = 'after';
        if (!this.stop.signal.aborted) {
          await this.reader.scrape(() => performance.now() - this.t);
          this.reader.markPhase('after');
          if (await this.sleep(this.timeline.settleSeconds)) after = await this.check('after');
        }
      }
    } catch (e) {
      error = `the runner failed: ${(e as Error).message}`;
      this.log(error);
      this.halt('error');
    }
    this.phase = 'done';
    await this.rollbackPhase();
    await sampler;
    const loadSummary = await this.load?.stop();
    return this.journal({
      ...(error ? { error } : {}),
      ...(before ? { before } : {}),
      ...(after ? { after } : {}),
      ...(during ? { duringFinal: during } : {}),
      ...(loadSummary ? { load: loadSummary } : {}),
    });
  }

  private async startLoad(): Promise<void> {
    const spec = this.spec.load;
    if (!spec || this.o.builtInLoad === false || !this.o.env.gatewayUrl) return;
    const rows = this.o.featureRows
      ? this.o.featureRows()
      : defaultFeatureRows(this.o.stack, spec.users + spec.hotKeys + 5_000);
    const generator = new TrafficGenerator(rows, spec);
    if (spec.useFeatureStore) {
      const fs = this.o.stack.featureStore;
      if (!fs) throw new Error('load.useFeatureStore needs Stack spec.featureStore');
      await withRedis(fs.redisUrl, async (redis) => {
        const pipeline = redis.pipeline();
        for (const u of generator.knownUsers()) {
          pipeline.hset(
            `${fs.keyPrefix}${u.userId}`,
            Object.fromEntries(ENTITY_FEATURES.map((f) => [f, String(u.features[f])])),
          );
        }
        await pipeline.exec();
      });
      this.log(`seeded the feature store with ${generator.knownUsers().length} users`);
    }
    this.load = new LoadDriver({
      gatewayUrl: this.o.env.gatewayUrl,
      model: this.defaultModel,
      rate: spec.rate,
      generator,
      useFeatureStore: spec.useFeatureStore,
    });
    this.load.start();
    this.log(`load: ${spec.rate} req/s`);
  }

  /** Scrapes every interval; during the method also judges the probes and the abort conditions. */
  private async samplerLoop(): Promise<void> {
    const intervalMs = this.timeline.intervalSeconds * 1000;
    const bound = performance.now() + (this.timeline.maxSeconds + 60) * 1000;
    while (this.phase !== 'done' && performance.now() < bound) {
      const started = performance.now();
      await this.reader.scrape(() => performance.now() - this.t);
      if (this.phase === 'during') await this.tick();
      const wait = intervalMs - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async tick(): Promise<void> {
    const at = this.now();
    const verdicts: ProbeVerdict[] = [];
    for (const p of this.spec.steadyState.probes.filter((p) => p.phases.includes('during'))) {
      const scope = 'window' in p.probe && p.probe.window ? 'window' : 'phase';
      verdicts.push({ ...judge(p.name, await this.reader.read(p.probe, 'during'), p.tolerance), scope });
    }
    const d = this.spec.detection;
    if (d && this.faultStart !== null && this.detectedAt === null) {
      // Without a window, detection reads everything since the first action.
      const v = judge('detection', await this.reader.read(d.probe, 'during'), d.tolerance);
      verdicts.push(v);
      this.lastDetectionWhy = v.why;
      if (v.outcome === 'ok') {
        this.detectedAt = at;
        this.log(`detected after ${(at - this.faultStart).toFixed(2)} s: ${v.why}`);
      }
    }
    const r = this.spec.recovery;
    const clock = r?.from === 'fault-end' ? this.faultEnd : this.faultStart;
    if (r && clock !== null && this.recoveredAt === null) {
      const v = judge('recovery', await this.reader.read(r.probe), r.tolerance);
      verdicts.push(v);
      this.lastRecoveryWhy = v.why;
      if (v.outcome !== 'ok') this.recoverySeenFailing = true;
      // A gateway probe's window may still hold healthy traffic from before the fault: its
      // "ok" counts once the fault was seen to bite, the window has passed, or the fault is
      // over. A reading of the moment (weights, readiness, pods) counts at once.
      else if (
        !isGatewayProbe(r.probe) ||
        this.recoverySeenFailing ||
        (this.faultEnd !== null && at >= this.faultEnd) ||
        at - clock >= (r.probe.window ? parseDuration(r.probe.window) : this.timeline.windowSeconds)
      ) {
        this.recoveredAt = at;
        this.log(`recovered after ${(at - clock).toFixed(2)} s: ${v.why}`);
      }
    }
    for (const a of this.spec.abort) {
      const v = judge(`abort:${a.name}`, await this.reader.read(a.probe), a.tolerance);
      verdicts.push(v);
      if (v.outcome !== 'deviated') {
        this.abortSince.delete(a.name);
        continue;
      }
      const since = this.abortSince.get(a.name) ?? at;
      this.abortSince.set(a.name, since);
      if (at - since >= parseDuration(a.for) && !this.abort && this.phase === 'during') {
        this.abort = { condition: a.name, atSeconds: at, verdict: v };
        this.log(`ABORT: ${a.name}: ${v.why}`);
        this.halt('aborted');
      }
    }
    for (const v of verdicts.filter((v) => v.outcome !== 'ok' && v.scope === 'window')) {
      this.log(`during: ${v.probe} ${v.outcome}: ${v.why}`);
    }
    this.ticks.push({ atSeconds: at, verdicts });
  }

  private async beforePhase(): Promise<PhaseCheck> {
    this.phase = 'before';
    // The first scrape marks where the before phase (and its baselines) start.
    await this.reader.scrape(() => performance.now() - this.t);
    this.reader.markPhase('before');
    await this.sleep(this.timeline.warmupSeconds);
    let check = await this.check('before');
    const waitUntil = this.now() + this.timeline.waitForSteadyStateSeconds;
    while (!check.held && !this.stop.signal.aborted && this.now() + this.timeline.windowSeconds <= waitUntil + 1e-9) {
      this.log('not in steady state yet: checking again over a fresh window');
      this.reader.markPhase('before');
      if (!(await this.sleep(this.timeline.windowSeconds))) break;
      check = await this.check('before');
    }
    await this.reader.captureBaselines([
      ...this.spec.steadyState.probes.map((p) => p.probe),
      ...this.probeSpecsOutsideHypothesis(),
    ]);
    return check;
  }

  private async check(phase: 'before' | 'during' | 'after'): Promise<PhaseCheck> {
    await this.reader.scrape(() => performance.now() - this.t);
    const verdicts: ProbeVerdict[] = [];
    for (const p of this.spec.steadyState.probes.filter((p) => p.phases.includes(phase))) {
      verdicts.push(judge(p.name, await this.reader.read(p.probe, phase), p.tolerance));
    }
    const check = { atSeconds: this.now(), held: held(verdicts), verdicts };
    this.log(
      `steady state ${phase}: ${check.held ? 'held' : 'NOT met'} (${verdicts.map((v) => `${v.probe} ${v.outcome}`).join(', ')})`,
    );
    for (const v of verdicts.filter((v) => v.outcome !== 'ok')) this.log(`  ${v.probe}: ${v.why}`);
    return check;
  }

  private async methodPhase(): Promise<void> {
    this.phase = 'during';
    for (const [i, step] of this.spec.method.entries()) {
      const times = this.timeline.steps[i] as (typeof this.timeline.steps)[number];
      if (!(await this.sleep(times.pauseBefore))) break;
      if (this.faultStart === null) {
        await this.reader.scrape(() => performance.now() - this.t);
        this.reader.markPhase('during');
      }
      const record = await this.runStep(step.name, step.action, step.expect);
      if (this.faultStart === null) this.faultStart = record.startSeconds;
      this.method.push(record);
      if (record.outcome === 'failed') {
        this.halt('error');
        break;
      }
      const revert = step.duration ? revertOf(step.action) : undefined;
      if (revert) {
        this.pendingRevert = { step: record, action: revert };
        if (!(await this.sleep(times.duration))) break;
        this.pendingRevert = undefined;
        record.revert = await this.runStep(step.name, revert, 'success');
        if (record.revert.outcome === 'failed') {
          this.halt('error');
          break;
        }
      }
      if (!(await this.sleep(times.pauseAfter))) break;
    }
    this.faultEnd = this.now();
  }

  /** After the method: keep probing until detection and recovery are decided (bounded by their targets). */
  private async awaitExpectations(): Promise<void> {
    const deadlines: number[] = [];
    if (this.spec.detection && this.faultStart !== null)
      deadlines.push(this.faultStart + (this.timeline.detectionWithin ?? 0));
    if (this.spec.recovery) {
      const clock = this.spec.recovery.from === 'fault-end' ? this.faultEnd : this.faultStart;
      if (clock !== null) deadlines.push(clock + (this.timeline.recoveryWithin ?? 0));
    }
    const until = Math.max(0, ...deadlines) + this.timeline.intervalSeconds;
    while (!this.stop.signal.aborted && this.now() < until) {
      const detectionOpen = this.spec.detection && this.detectedAt === null;
      const recoveryOpen = this.spec.recovery && this.recoveredAt === null;
      if (!detectionOpen && !recoveryOpen) break;
      await this.sleep(0.1);
    }
  }

  private async rollbackPhase(): Promise<void> {
    if (this.pendingRevert) {
      const { step, action } = this.pendingRevert;
      this.log(`reverting ${step.name} (its duration was cut short)`);
      step.revert = await this.runStep(step.name, action, 'success');
      this.pendingRevert = undefined;
    }
    for (const r of this.spec.rollbacks) this.rollbacks.push(await this.runStep(r.name, r.action, 'success'));
  }

  private async runStep(name: string, action: ActionSpec, expect: 'success' | 'failure'): Promise<StepRecord> {
    const startSeconds = this.now();
    let detail: string | undefined;
    let measuredSeconds: number | undefined;
    let failure: string | undefined;
    try {
      const result = await this.execute(action);
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
    this.log(
      `${name} (${action.type}): ${record.outcome}${record.detail ? `: ${record.detail}` : ''}${record.error ? `: ${record.error}` : ''}`,
    );
    return record;
  }

  private async execute(action: ActionSpec): Promise<{ detail: string; measuredSeconds?: number }> {
    const env = this.o.env;
    const model = ('model' in action && action.model) || this.defaultModel;
    switch (action.type) {
      case 'gateway-faults': {
        const set = await this.requireAdmin().setFaults(action.faults.map((f) => ({ model, ...f })));
        return {
          detail: `gateway faults: ${set.map((f) => `${f.model}/${f.variant} ${f.kind} p=${f.probability}${f.latencyMs ? ` ${f.latencyMs} ms` : ''}`).join(', ')}`,
        };
      }
      case 'gateway-clear-faults':
        await this.requireAdmin().clearFaults();
        return { detail: 'gateway faults cleared' };
      case 'gateway-weights': {
        const weights = action.restore ? this.weightsFound.get(model) : action.weights;
        if (!weights) throw new Error(`no weights found for ${model} before the method`);
        const set = await this.requireAdmin().setWeights(model, weights);
        return { detail: `${model} weights ${JSON.stringify(set)}${action.restore ? ' (as found)' : ''}` };
      }
      case 'traffic-shift': {
        const none = Object.keys(action.scale).length === 0 && Object.keys(action.set).length === 0;
        this.requireLoad().setShift(none ? undefined : { scale: action.scale, set: action.set });
        return {
          detail: none
            ? 'traffic back to its usual features'
            : `traffic shifted: scale ${JSON.stringify(action.scale)}, set ${JSON.stringify(action.set)}`,
        };
      }
      case 'traffic-burst':
        this.requireLoad().setBurst(action.rate);
        return { detail: action.rate > 0 ? `burst of ${action.rate} req/s on the hot keys` : 'burst ended' };
      case 'pod-delete': {
        if (!env.pods) throw new Error('no Kubernetes API');
        return deletePodsAndWait(env.pods, action, this.o.target, this.spec.blastRadius, this.stop.signal);
      }
      default: {
        if (!env.local) throw new Error(`${action.type} needs the local stack`);
        return { detail: await env.local.execute(action as LocalAction) };
      }
    }
  }

  private requireAdmin() {
    if (!this.o.env.admin) throw new Error('no gateway admin API');
    return this.o.env.admin;
  }

  private requireLoad() {
    if (!this.load) throw new Error('the built-in load is not running');
    return this.load;
  }

  private expectation(kind: 'detection' | 'recovery'): ExpectationRecord | undefined {
    const e = kind === 'detection' ? this.spec.detection : this.spec.recovery;
    if (!e || (this.faultStart === null && this.method.length === 0)) return undefined;
    const from = kind === 'detection' || this.spec.recovery?.from !== 'fault-end' ? this.faultStart : this.faultEnd;
    return decideExpectation({
      kind,
      probe: e.probe.type,
      tolerance: e.tolerance,
      declaredWithinSeconds: parseDuration(e.within),
      withinSeconds: (kind === 'detection' ? this.timeline.detectionWithin : this.timeline.recoveryWithin) ?? 0,
      fromSeconds: from,
      heldAtSeconds: kind === 'detection' ? this.detectedAt : this.recoveredAt,
      // A stopped run waited only until it stopped: a target still open then stays undecided.
      nowSeconds: this.stoppedAt ?? this.now(),
      ...(kind === 'detection'
        ? this.lastDetectionWhy
          ? { lastWhy: this.lastDetectionWhy }
          : {}
        : this.lastRecoveryWhy
          ? { lastWhy: this.lastRecoveryWhy }
          : {}),
    });
  }

  private journal(extra: Partial<Journal> & { refused?: string; duringFinal?: PhaseCheck }): Journal {
    const detection = this.expectation('detection');
    const recovery = this.expectation('recovery');
    const duringProbes = this.spec.steadyState.probes.filter((p) => p.phases.includes('during')).map((p) => p.name);
    const conclusion = conclude({
      ...(extra.refused ? { refused: extra.refused } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      ...(this.stopCause === 'interrupted' ? { interrupted: this.interruptedBy ?? 'a signal' } : {}),
      ...(this.abort ? { abort: this.abort } : {}),
      ...(extra.before ? { before: extra.before } : {}),
      ...(extra.after ? { after: extra.after } : {}),
      ...(extra.duringFinal ? { duringFinal: extra.duringFinal } : {}),
      ...(detection ? { detection } : {}),
      ...(recovery ? { recovery } : {}),
      ticks: this.ticks,
      duringProbes,
      method: this.method,
      rollbacks: this.rollbacks,
    });
    const ended = new Date();
    const doc = this.o.document;
    const { refused, duringFinal, ...rest } = extra;
    this.log(`${conclusion.status}${conclusion.deviated ? ' (deviated)' : ''}: ${conclusion.reason}`);
    return {
      journalVersion: 1,
      experiment: {
        name: doc.metadata.name,
        ...(doc.metadata.description ? { description: doc.metadata.description } : {}),
        ...(this.o.file ? { file: this.o.file } : {}),
        target: this.spec.target,
        playbook: this.spec.playbook,
      },
      status: conclusion.status,
      deviated: conclusion.deviated,
      dryRun: this.o.dryRun ?? false,
      reason: conclusion.reason,
      startedAt: this.startedAt.toISOString(),
      endedAt: ended.toISOString(),
      durationSeconds: this.now(),
      timeScale: this.timeline.timeScale,
      ...rest,
      during: {
        held: conclusion.duringHeld,
        probes: duringProbes,
        ...(duringFinal ? { final: duringFinal } : {}),
        ticks: this.ticks,
      },
      ...(detection ? { detection } : {}),
      ...(recovery ? { recovery } : {}),
      ...(this.abort ? { abort: this.abort } : {}),
      method: this.method,
      rollbacks: this.rollbacks,
      ...(refused ? { error: `refused: ${refused}` } : {}),
    };
  }
}

/** Rows of the held-out test split (written by serving/models/train.py), as named features. */
function defaultFeatureRows(stack: StackSpec, limit: number): Record<string, FeatureValue>[] {
  const model = stack.models[0];
  if (!model) throw new Error('the Stack has no model');
  const schema = loadFeatureSchema(join(paths.root(), model.featureSchema));
  const file = join(paths.root(), 'serving', 'data', 'test.csv');
  try {
    return readDatasetCsv(file, schema, limit).map((r) => r.features);
  } catch (error) {
    throw new Error(
      `the built-in load reads ${file} (${(error as Error).message}); run ./scripts/setup.sh to create it`,
    );
  }
}
