import { setTimeout as sleep } from 'node:timers/promises';
import type { CounterSnapshot } from '../../core/abtest/counters.ts';
import { lookAtStep, startStep, stepWeights } from '../../core/deploy/canary.ts';
import type { DeployJournal, Stage, StageOutcome } from '../../core/deploy/journal.ts';
import { type RegisteredVersion, signatureInputs } from '../../core/deploy/registry.ts';
import { metricsCheck, signatureCheck, validate } from '../../core/deploy/validation.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { DeploymentSpec } from '../../core/spec/kinds/deployment.ts';
import type { CounterSource } from '../abtest/counter-source.ts';
import type { DeployPorts } from './ports.ts';
import { downloadVersion, publishVersion, type VersionFiles } from './publish.ts';
import { probeModel } from './triton-probe.ts';

/** The stages of a deploy against its ports; run-deploy.ts runs them in the journal's order. */

export interface StageResult {
  outcome: StageOutcome;
  reason: string;
  details?: Record<string, unknown>;
}

export interface StageContext {
  spec: DeploymentSpec;
  ports: DeployPorts;
  version: RegisteredVersion;
  withRetry: <T>(fn: () => Promise<T>) => Promise<T>;
  log: (line: string) => void;
  now: () => Date;
  files: VersionFiles | undefined;
  save: (journal: DeployJournal) => DeployJournal;
}

type StageRunner = (c: StageContext, journal: () => DeployJournal) => Promise<StageResult>;

async function files(c: StageContext): Promise<VersionFiles> {
  c.files ??= await c.withRetry(() => downloadVersion(c.ports.registry, c.version));
  return c.files;
}

const fetchStage: StageRunner = async (c, journal) => {
  const f = await files(c);
  const { gateway } = c.ports;
  const model = c.spec.model;
  const [championVersion, routes, weights] = await Promise.all([
    c.withRetry(() => c.ports.registry.aliasVersion(c.spec.registry.name, 'champion')),
    gateway.getRoutes(model),
    gateway.getWeights(model),
  ]);
  const baseline = {
    championVersion,
    championTritonModel: routes.variants[c.spec.championVariant] ?? '',
    canaryTritonModel: routes.variants[c.spec.canaryVariant] ?? '',
    weights,
    shadow: routes.shadow,
  };
  c.save({ ...journal(), baseline: journal().baseline ?? baseline });
  return {
    outcome: 'ok',
    reason: `version ${c.version.version} (${f.onnx.byteLength} bytes of ONNX, sha256 checked); champion is version ${championVersion ?? 'none'}`,
  };
};

const validateStage: StageRunner = async (c) => {
  const f = await files(c);
  const reg = c.ports.registry;
  const candidate = metricsOf(await c.withRetry(() => reg.runMetrics(c.version.runId)));
  const championVersion = await c.withRetry(() => reg.aliasVersion(c.spec.registry.name, 'champion'));
  const champion = championVersion
    ? metricsOf(
        await c.withRetry(async () =>
          reg.runMetrics((await reg.resolve(c.spec.registry.name, { version: championVersion })).runId),
        ),
      )
    : undefined;
  const checks = [
    signatureCheck(signatureInputs(f.mlmodel), c.ports.schema),
    metricsCheck({
      candidateMetrics: candidate,
      championMetrics: champion,
      metrics: c.spec.validation.metrics,
      tolerance: c.spec.validation.tolerance,
    }),
  ];
  const failed = checks.filter((x) => !x.ok);
  return failed.length > 0
    ? {
        outcome: 'refused',
        reason: `refused: ${failed.map((x) => `${x.check}: ${x.detail}`).join('; ')}`,
        details: { checks },
      }
    : { outcome: 'ok', reason: checks.map((x) => x.detail).join('; '), details: { checks } };
};

/** Upload, load through model control, then the Triton-side checks (test prediction, p99). */
const publishStage: StageRunner = async (c, journal) => {
  const f = await files(c);
  const tritonModel = journal().tritonModel;
  const keys = await c.withRetry(() => publishVersion(c.ports.store, tritonModel, f));
  await c.withRetry(() => c.ports.triton.loadModel(tritonModel));
  const probe = await probeModel(c.ports.triton, tritonModel, c.ports.schema, c.spec.validation.probeRequests);
  const budgetMs = parseDuration(c.spec.validation.p99Budget) * 1000;
  const result = validate({
    signature: signatureInputs(f.mlmodel),
    schema: c.ports.schema,
    candidateMetrics: {},
    championMetrics: undefined,
    metrics: [],
    tolerance: 0,
    p99Ms: probe.p99Ms,
    p99BudgetMs: budgetMs,
    testPrediction: probe.testPrediction,
  });
  const details = {
    keys,
    store: c.ports.store.description,
    p99Ms: probe.p99Ms,
    probeErrors: probe.errors,
    checks: result.checks,
  };
  if (!result.ok) {
    await c.ports.triton.unloadModel(tritonModel).catch(() => undefined);
    return { outcome: 'refused', reason: `${result.reason} (${tritonModel} unloaded)`, details };
  }
  return {
    outcome: 'ok',
    reason: `${keys.length} files to ${c.ports.store.description}; ${tritonModel} loaded; ${result.reason}`,
    details,
  };
};

const shadowStage: StageRunner = async (c, journal) => {
  const { gateway } = c.ports;
  const { spec } = c;
  const variants = Object.keys(await gateway.getWeights(spec.model));
  // Weights first: the canary slot must carry no traffic before it points at the new model.
  await gateway.setWeights(spec.model, stepWeights(variants, spec, 0));
  const threshold = Number(c.version.tags.decision_threshold ?? thresholdOf(c.files?.config));
  await gateway.setRoutes(spec.model, {
    variants: { [spec.canaryVariant]: journal().tritonModel },
    ...(Number.isFinite(threshold) ? { thresholds: { [journal().tritonModel]: threshold } } : {}),
    shadow: spec.canaryVariant,
  });
  const start = await c.ports.counters.read();
  const startShadow = shadowTotals(start, spec.canaryVariant);
  const deadline = Date.now() + parseDuration(spec.canary.stepTimeout) * 1000;
  const minEnd = Date.now() + parseDuration(spec.shadow.duration) * 1000;
  let totals = { calls: 0, agree: 0, durationSum: 0 };
  while (true) {
    const poll = parseDuration(spec.canary.evaluateEvery) * 1000;
    await sleep(Math.max(0, Math.min(poll, minEnd - Date.now())) || poll);
    const reading = await c.ports.counters.read();
    const now = shadowTotals(reading, spec.canaryVariant);
    totals = {
      calls: now.calls - startShadow.calls,
      agree: now.agree - startShadow.agree,
      durationSum: now.durationSum - startShadow.durationSum,
    };
    if (Date.now() >= minEnd && totals.calls >= spec.shadow.minRequests) break;
    if (Date.now() > deadline) {
      return {
        outcome: 'rollback',
        reason: `shadow saw ${totals.calls} of ${spec.shadow.minRequests} mirrored calls before the step timeout`,
      };
    }
  }
  const agreement = totals.calls > 0 ? totals.agree / totals.calls : Number.NaN;
  const meanMs = totals.calls > 0 ? (totals.durationSum / totals.calls) * 1000 : Number.NaN;
  await gateway.setRoutes(spec.model, { shadow: null });
  return {
    outcome: 'ok',
    reason: `${totals.calls} mirrored calls, agreement ${(agreement * 100).toFixed(1)}%, mean latency ${meanMs.toFixed(1)} ms`,
    details: { calls: totals.calls, agreement, meanLatencyMs: meanMs },
  };
};

const canaryStage: StageRunner = async (c, journal) => {
  const { gateway, counters } = c.ports;
  const { spec } = c;
  const variants = Object.keys(await gateway.getWeights(spec.model));
  const every = parseDuration(spec.canary.evaluateEvery) * 1000;
  for (const percent of spec.canary.steps) {
    await gateway.setWeights(spec.model, stepWeights(variants, spec, percent));
    const origin = await counters.read();
    let step = startStep(spec, percent, origin.ok ? origin.snapshot : {}, Date.now());
    while (true) {
      await sleep(every);
      const reading = await counters.read();
      const snapshot: CounterSnapshot | undefined = reading.ok ? reading.snapshot : undefined;
      const look = lookAtStep(spec, step, snapshot, Date.now());
      step = look.step;
      const t = step.experiment.totals;
      c.save({
        ...journal(),
        canaryLooks: [
          ...journal().canaryLooks,
          {
            at: c.now().toISOString(),
            percent,
            decision: look.decision.kind,
            reason: look.decision.reason,
            champion: { requests: t.control.requests, errors: t.control.errors },
            canary: { requests: t.treatment.requests, errors: t.treatment.errors },
          },
        ],
      });
      if (look.decision.kind === 'rollback') {
        // Traffic off the canary at once; the rollback stage restores the rest.
        await gateway.setWeights(spec.model, stepWeights(variants, spec, 0)).catch(() => undefined);
        return { outcome: 'rollback', reason: `canary at ${percent}%: ${look.decision.reason}`, details: { percent } };
      }
      if (look.decision.kind === 'advance') break;
    }
  }
  return { outcome: 'ok', reason: `ramped ${spec.canary.steps.join('/')}%: guardrail quiet at every step` };
};

/** The champion alias moves; the champion variant serves the new model; the canary slot returns to what it was. */
const promoteStage: StageRunner = async (c, journal) => {
  const { gateway } = c.ports;
  const { spec } = c;
  const j = journal();
  const variants = Object.keys(await gateway.getWeights(spec.model));
  await gateway.setRoutes(spec.model, { variants: { [spec.championVariant]: j.tritonModel } });
  await gateway.setWeights(spec.model, stepWeights(variants, spec, 0));
  if (j.baseline?.canaryTritonModel) {
    await gateway.setRoutes(spec.model, {
      variants: { [spec.canaryVariant]: j.baseline.canaryTritonModel },
      shadow: null,
    });
  }
  await c.withRetry(() => c.ports.registry.setAlias(spec.registry.name, 'champion', j.version));
  if (j.baseline?.championVersion) {
    await c.withRetry(() =>
      c.ports.registry.setAlias(spec.registry.name, 'previous-champion', j.baseline?.championVersion as string),
    );
  }
  // The spec file follows: the champion variant calls the new model, the weights as now served.
  // Idempotent, so a promote resumed after a crash records the same edit once.
  let recorded = '';
  let details: Record<string, unknown> | undefined;
  if (c.ports.specFile) {
    const weights = stepWeights(variants, spec, 0);
    const changes = await c.ports.specFile.recordVariants({
      model: spec.model,
      variants: Object.fromEntries(
        variants.map((v) => [
          v,
          { weight: weights[v] ?? 0, ...(v === spec.championVariant ? { tritonModel: j.tritonModel } : {}) },
        ]),
      ),
    });
    recorded = `; ${c.ports.specFile.file}: ${changes.length ? changes.join(', ') : 'already says so'}`;
    details = { specFile: c.ports.specFile.file, specChanges: changes };
  }
  return {
    outcome: 'ok',
    reason: `alias champion -> version ${j.version}; ${spec.championVariant} serves ${j.tritonModel} at 100%${recorded}`,
    ...(details ? { details } : {}),
  };
};

/** Weights back, routes back, the new model unloaded, the champion alias where it was. */
const rollbackStage: StageRunner = async (c, journal) => {
  const { gateway } = c.ports;
  const { spec } = c;
  const j = journal();
  const b = j.baseline;
  const variants = Object.keys(await gateway.getWeights(spec.model));
  await gateway.setWeights(spec.model, stepWeights(variants, spec, 0));
  if (b) {
    await gateway.setRoutes(spec.model, {
      variants: { [spec.championVariant]: b.championTritonModel, [spec.canaryVariant]: b.canaryTritonModel },
      shadow: b.shadow,
    });
    await gateway.setWeights(spec.model, b.weights);
  }
  await c.ports.triton.unloadModel(j.tritonModel).catch(() => undefined);
  const champion = await c.withRetry(() => c.ports.registry.aliasVersion(spec.registry.name, 'champion'));
  if (b?.championVersion && champion !== b.championVersion) {
    await c.withRetry(() => c.ports.registry.setAlias(spec.registry.name, 'champion', b.championVersion as string));
  }
  const cause = [...j.stages].reverse().find((s) => s.outcome === 'rollback')?.reason ?? 'rollback';
  return {
    outcome: 'ok',
    reason: `rolled back (${cause}); ${j.tritonModel} unloaded, champion stays version ${b?.championVersion ?? champion}`,
  };
};

export const STAGE_RUNNERS: Record<Stage, StageRunner> = {
  fetch: fetchStage,
  validate: validateStage,
  publish: publishStage,
  shadow: shadowStage,
  canary: canaryStage,
  promote: promoteStage,
  rollback: rollbackStage,
};

/** Run metrics `holdout_<name>` -> { name: value }. */
function metricsOf(run: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(run)
      .filter(([k]) => k.startsWith('holdout_'))
      .map(([k, v]) => [k.slice('holdout_'.length), v]),
  );
}

function thresholdOf(config: string | undefined): number {
  const match = /key: "decision_threshold" value: \{ string_value: "([\d.]+)" \}/.exec(config ?? '');
  return match ? Number(match[1]) : Number.NaN;
}

function shadowTotals(
  reading: Awaited<ReturnType<CounterSource['read']>>,
  variant: string,
): { calls: number; agree: number; durationSum: number } {
  if (!reading.ok || !reading.shadow) return { calls: 0, agree: 0, durationSum: 0 };
  const s = reading.shadow.find((x) => x.variant === variant);
  return s
    ? { calls: s.compared, agree: s.agreed, durationSum: s.latency.sum }
    : { calls: 0, agree: 0, durationSum: 0 };
}
