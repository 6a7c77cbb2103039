import { randomUUID } from 'node:crypto';
import type { TritonClient } from '../adapters/triton/client.ts';
import { assignVariant } from '../core/abtest/assignment.ts';
import { defaultFeatureRecord, encodeFeatures, type FeatureSchema } from '../core/spec/feature-schema.ts';
import { parseDuration } from '../core/spec/kinds/common.ts';
import type { StackSpec } from '../core/spec/kinds/stack.ts';
import { Coalescer } from './cache/coalescer.ts';
import { GuardedPredictionStore } from './cache/guarded-store.ts';
import type { PredictionStore } from './cache/store.ts';
import { InvalidRequestError, ModelUnavailableError, NotFoundError, OverloadedError } from './errors.ts';
import type { OnlineFeatureStore } from './features/feature-store.ts';
import { type GatewayLog, SILENT_LOG } from './log.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { LagSource } from './overload/event-loop-lag.ts';
import type { Answer } from './pipeline/answer.ts';
import { FallbackChain } from './pipeline/fallback-chain.ts';
import type { PredictionLog } from './prediction-log.ts';
import { WeightsStore } from './routing/weights.ts';
import { FaultInjector } from './upstream/faults.ts';
import { ReplicatedUpstream } from './upstream/replicated-upstream.ts';
import type { TritonReplicas } from './upstream/triton-replicas.ts';
import { TritonUpstream } from './upstream/triton-upstream.ts';
import { type Upstream, UpstreamError } from './upstream/upstream.ts';
import type { PredictRequest } from './validation/predict-request.ts';

/** Maps a feature value to its reference-profile bin (from the drift profile); undefined = not tracked. */
export type FeatureBinner = (model: string, feature: string, value: number | string) => string | undefined;

export interface GatewayDependencies {
  stack: StackSpec;
  schemas: Map<string, FeatureSchema>;
  triton: TritonClient;
  store: PredictionStore;
  metrics: GatewayMetrics;
  featureStore?: OnlineFeatureStore;
  predictionLog?: PredictionLog;
  featureBinner?: FeatureBinner;
  random?: () => number;
  /** 5xx, fallback answers and breaker transitions are logged here (default: silent). */
  log?: GatewayLog;
  /** The gateway's event-loop stalls, taken out of upstream timings (default: none). */
  lag?: LagSource;
  /**
   * Told, per request that needed a model, whether overload refused it (the concurrency limit
   * said no and only a 503 or the default because of overload was left: `admitted` false) or
   * not (a model or the stale cache answered, or the upstream failed some other way: a
   * timeout, an open breaker, a dead server). The door's ExcessShedder sheds the refused
   * share before the next requests are read; other failures are the breakers' and fallback
   * tiers' business, and counting them as refusals made one overload refusal among timeouts
   * shed nearly everything (the latency-500ms experiment answered 503s instead of defaults).
   */
  overloadFeedback?: (model: string, admitted: boolean) => void;
  /**
   * Several Triton servers found by discovery (a watch on the Triton pods): each variant is
   * then a ReplicatedUpstream over them instead of one upstream on `triton`.
   */
  tritonReplicas?: TritonReplicas;
}

export interface PredictResponse {
  score: number;
  label: number;
  model: string;
  variant: string;
  served_by: string;
  stale: boolean;
  request_id: string;
  /** True when the answer is not the model's fresh one (stale cache, fallback model, default). */
  degraded: boolean;
  /** Why it is degraded: the primary's failure (timeout, circuit_open, ...). */
  degraded_reason?: string;
  defaulted_features?: string[];
}

interface ModelRuntime {
  schema: FeatureSchema;
  chain: FallbackChain;
  upstreams: Map<string, Upstream>;
  shadow: string | undefined;
  /** Builds a variant's upstream (a deploy re-points a variant at a newly loaded Triton model). */
  make: (variant: string, tritonModel: string) => Upstream;
  /** Decision thresholds by Triton model name: the same object the fallback chain reads. */
  thresholds: Record<string, number>;
}

/** What `GET/PUT /admin/models/:model/routes` reads and changes (the deploy service's slot). */
export interface ModelRoutes {
  /** variant -> the Triton model it calls. */
  variants: Record<string, string>;
  thresholds: Record<string, number>;
  /** The variant that receives mirrored traffic; null = no shadow. */
  shadow: string | null;
}

/** Mirrored calls in flight at most; beyond this shadow traffic is dropped, never queued. */
const MAX_SHADOW_INFLIGHT = 32;

/**
 * The gateway's core, independent of HTTP: routing by user hash, the fallback chain per
 * logical model, shadow mirroring, the prediction log and the contract metrics.
 */
export class InferenceGateway {
  readonly weights: WeightsStore;
  readonly faults = new FaultInjector();
  readonly metrics: GatewayMetrics;
  readonly cache: GuardedPredictionStore;
  private readonly log: GatewayLog;
  private readonly deps: GatewayDependencies;
  private readonly models = new Map<string, ModelRuntime>();
  private shadowInflight = 0;
  private readonly pendingShadows = new Set<Promise<void>>();

  constructor(deps: GatewayDependencies) {
    this.deps = deps;
    this.metrics = deps.metrics;
    this.log = deps.log ?? SILENT_LOG;
    const { stack } = deps;
    this.weights = new WeightsStore(stack.models);
    this.cache = new GuardedPredictionStore(deps.store, parseDuration(stack.cache.timeout) * 1000, Date.now, this.log);
    const r = stack.resilience;
    const breaker = {
      failureRatio: r.breakerFailureRatio,
      windowMs: parseDuration(r.breakerWindow) * 1000,
      minimumRps: r.breakerMinimumRps,
      halfOpenAfterMs: parseDuration(r.halfOpenAfter) * 1000,
      slowCallMs: parseDuration(r.slowCall) * 1000,
    };
    const concurrency = {
      initial: r.concurrency.initial,
      min: r.concurrency.min,
      max: r.concurrency.max,
      tolerance: r.concurrency.tolerance,
      latencyFloorMs: parseDuration(r.concurrency.latencyFloor) * 1000,
      smoothing: r.concurrency.smoothing,
      windowMs: parseDuration(r.concurrency.window) * 1000,
      windowSamples: r.concurrency.windowSamples,
      probeIntervalMs: parseDuration(r.concurrency.probeInterval) * 1000,
      probeSamples: r.concurrency.probeSamples,
    };
    for (const m of stack.models) {
      const schema = deps.schemas.get(m.name);
      if (!schema) throw new Error(`no feature schema loaded for model ${m.name}`);
      const single = (variant: string, tritonModel: string, client: TritonClient) =>
        new TritonUpstream({
          model: m.name,
          variant,
          tritonModel,
          inputName: schema.input,
          client,
          faults: this.faults,
          metrics: this.metrics,
          breaker,
          log: this.log,
          concurrency,
          ...(deps.lag ? { lag: deps.lag } : {}),
        });
      const replicas = deps.tritonReplicas;
      const make = (variant: string, tritonModel: string): Upstream =>
        replicas
          ? new ReplicatedUpstream({
              model: m.name,
              variant,
              tritonModel,
              replicas,
              perReplica: (client) => single(variant, tritonModel, client),
            })
          : single(variant, tritonModel, deps.triton);
      const upstreams = new Map(m.variants.map((v) => [v.name, make(v.name, v.tritonModel)]));
      const fallback = m.fallbackModel ? make('fallback', m.fallbackModel) : undefined;
      const thresholds = Object.fromEntries(Object.entries(schema.models).map(([k, v]) => [k, v.decision_threshold]));
      const chain = new FallbackChain({
        settings: {
          model: m.name,
          deadlineMs: parseDuration(m.deadline) * 1000,
          fallbacksEnabled: m.fallbacks,
          ttlMs: parseDuration(stack.cache.ttl) * 1000,
          staleForMs: parseDuration(stack.cache.staleFor) * 1000,
          earlyExpirationBeta: stack.cache.earlyExpirationBeta,
          retryIfRemainingMs: parseDuration(r.retryIfRemaining) * 1000,
          defaultScore: m.defaultPrediction.score,
          allowDefault: !m.critical,
          thresholds,
        },
        upstreams,
        fallback,
        cache: this.cache,
        coalescer: new Coalescer<number[]>(),
        metrics: this.metrics,
        ...(deps.random ? { random: deps.random } : {}),
      });
      this.models.set(m.name, { schema, chain, upstreams, shadow: m.shadow, make, thresholds });
    }
  }

  modelNames(): string[] {
    return [...this.models.keys()];
  }

  schemaOf(model: string): FeatureSchema {
    return this.runtime(model).schema;
  }

  /** model -> variant names, plus "fallback" (for fault injection on the fallback model). */
  faultTargets(): Map<string, string[]> {
    return new Map([...this.models].map(([name, rt]) => [name, [...rt.upstreams.keys(), 'fallback']]));
  }

  /** Every upstream's adaptive concurrency limit and calls in flight (the fallback model as variant "fallback"). */
  concurrencyLimits(): { model: string; variant: string; limit: number; inflight: number }[] {
    const out: { model: string; variant: string; limit: number; inflight: number }[] = [];
    for (const [model, rt] of this.models) {
      const upstreams = [...rt.upstreams.values(), ...(rt.chain.fallbackUpstream ? [rt.chain.fallbackUpstream] : [])];
      for (const u of upstreams) {
        const c = u.concurrency?.();
        if (c) out.push({ model, variant: u.variant, ...c });
      }
    }
    return out;
  }

  routes(model: string): ModelRoutes {
    const rt = this.runtime(model);
    return {
      variants: Object.fromEntries([...rt.upstreams].map(([variant, u]) => [variant, u.tritonModel])),
      thresholds: { ...rt.thresholds },
      shadow: rt.shadow ?? null,
    };
  }

  /**
   * The deploy service's changes (src/services/deploy/): point a variant at another Triton
   * model (its weight is untouched: the canary ramp moves weights separately), give a new
   * model its decision threshold, start or stop mirroring. Checked whole before any change.
   */
  setRoutes(model: string, update: unknown): ModelRoutes {
    const rt = this.runtime(model);
    if (typeof update !== 'object' || update === null || Array.isArray(update)) {
      throw new InvalidRequestError(
        'routes must be an object like {"variants": {"v2": "fraud_v4"}, "thresholds": {"fraud_v4": 0.17}, "shadow": "v2"}',
        'routes',
      );
    }
    const u = update as { variants?: unknown; thresholds?: unknown; shadow?: unknown };
    const variants = recordOf(u.variants, 'variants', (v) => typeof v === 'string' && /^[\w.-]+$/.test(v));
    const thresholds = recordOf(u.thresholds, 'thresholds', (v) => typeof v === 'number' && v >= 0 && v <= 1);
    for (const name of Object.keys(variants)) {
      if (!rt.upstreams.has(name)) {
        throw new InvalidRequestError(
          `unknown variant "${name}" of ${model}; expected ${[...rt.upstreams.keys()].join(', ')}`,
          `variants.${name}`,
        );
      }
    }
    if (u.shadow !== undefined && u.shadow !== null && !(typeof u.shadow === 'string' && rt.upstreams.has(u.shadow))) {
      throw new InvalidRequestError(
        `shadow must be null or a variant of ${model} (${[...rt.upstreams.keys()].join(', ')}), got ${JSON.stringify(u.shadow)}`,
        'shadow',
      );
    }
    Object.assign(rt.thresholds, thresholds);
    for (const [name, tritonModel] of Object.entries(variants)) {
      if (rt.upstreams.get(name)?.tritonModel !== tritonModel)
        rt.upstreams.set(name, rt.make(name, tritonModel as string));
    }
    if (u.shadow !== undefined) rt.shadow = (u.shadow as string | null) ?? undefined;
    return this.routes(model);
  }

  get hasFeatureStore(): boolean {
    return this.deps.featureStore !== undefined;
  }

  /** True while the feature store's breaker skips lookups (missing features take their defaults). */
  get featureStoreBreakerOpen(): boolean {
    return this.deps.featureStore?.breakerOpen ?? false;
  }

  private runtime(model: string): ModelRuntime {
    const rt = this.models.get(model);
    if (!rt)
      throw new NotFoundError(`unknown model "${model}"; this gateway serves ${this.modelNames().join(', ')}`, 'model');
    return rt;
  }

  /** The user's variant; `userId` undefined (an anonymous KServe call) = a random one. */
  variantFor(model: string, userId: string | undefined): string {
    // One variant with weight: everyone gets it, no hash (nor random id) needed.
    const sole = this.weights.soleVariant(model);
    if (sole !== undefined) return sole;
    // Salt = the logical model: a user keeps their variant across replicas and restarts.
    return assignVariant(userId ?? randomUUID(), model, this.weights.asRecord(model));
  }

  /** `POST /v1/predict`: one row, named features, optional feature-store completion. */
  async predict(model: string, request: PredictRequest, requestId: string = randomUUID()): Promise<PredictResponse> {
    const rt = this.runtime(model);
    const start = performance.now();
    const variant = this.variantFor(model, request.userId);
    let features = request.features;
    let defaulted: string[] = [];
    if (this.deps.featureStore) {
      const completed = await this.deps.featureStore.complete(rt.schema, request.userId, request.features);
      features = completed.features;
      defaulted = completed.defaulted;
      for (const f of defaulted) this.metrics.defaultedFeatures.inc({ model, feature: f });
    }
    const row = encodeFeatures(rt.schema, features);
    const answer = await this.run(model, variant, [row], start, requestId);
    this.countFeatureBins(model, features);
    const response: PredictResponse = {
      score: answer.scores[0] as number,
      label: answer.labels[0] as number,
      model,
      variant,
      served_by: answer.servedBy,
      stale: answer.stale,
      request_id: requestId,
      degraded: answer.degradedBecause !== undefined,
      ...(answer.degradedBecause !== undefined ? { degraded_reason: answer.degradedBecause } : {}),
      ...(this.deps.featureStore ? { defaulted_features: defaulted } : {}),
    };
    const predictionLog = this.deps.predictionLog;
    if (predictionLog?.wants(requestId))
      predictionLog.write({
        ts: new Date().toISOString(),
        request_id: requestId,
        user_id: request.userId,
        model,
        variant,
        served_by: answer.servedBy,
        score: response.score,
        label: response.label,
        features,
      });
    this.mirror(model, variant, [row], answer);
    return response;
  }

  /** KServe v2 infer on a logical model: rows already validated against the schema. */
  async inferRows(
    model: string,
    rows: number[][],
    opts: { userId?: string | undefined; version?: string | undefined; requestId?: string } = {},
  ): Promise<Answer> {
    const start = performance.now();
    const variant =
      opts.version === undefined ? this.variantFor(model, opts.userId) : this.checkVersion(model, opts.version);
    const answer = await this.run(model, variant, rows, start, opts.requestId ?? randomUUID());
    this.mirror(model, variant, rows, answer);
    return answer;
  }

  /**
   * The logical model's KServe "versions" are its variants: `/versions/v2/...` pins variant v2
   * (a canary check or a debugging client) instead of the user-hash assignment.
   */
  versionsOf(model: string): string[] {
    return [...this.runtime(model).upstreams.keys()];
  }

  /** Returns `version` when it names a variant of `model`; else NotFoundError naming the versions. */
  checkVersion(model: string, version: string): string {
    const versions = this.versionsOf(model);
    if (!versions.includes(version))
      throw new NotFoundError(
        `unknown version "${version}" of model "${model}"; its versions are its variants: ${versions.join(', ')}`,
        'version',
      );
    return version;
  }

  private async run(
    model: string,
    variant: string,
    rows: number[][],
    start: number,
    requestId: string,
  ): Promise<Answer> {
    const rt = this.runtime(model);
    let answer: Answer;
    try {
      answer = await rt.chain.answer(variant, rows);
    } catch (error) {
      const reason = error instanceof UpstreamError ? error.reason : 'internal';
      if (reason === 'overloaded') {
        this.deps.overloadFeedback?.(model, false);
        this.record(model, variant, 'shed', 503, start);
        throw new OverloadedError(
          `overloaded: ${model}/${variant} is at its concurrency limit and no cached answer is available; retry after 1 s`,
        );
      }
      this.deps.overloadFeedback?.(model, true);
      this.record(model, variant, 'error', 503, start);
      const spec = this.deps.stack.models.find((m) => m.name === model);
      const why = !spec?.fallbacks
        ? 'fallbacks are disabled'
        : `no cached or fallback-model answer, and ${model} is critical (no default prediction)`;
      throw new ModelUnavailableError(`${model}/${variant} is unavailable (${reason}); ${why}`, reason);
    }
    this.record(model, variant, answer.servedBy, 200, start);
    this.feedOverload(model, answer);
    if (answer.servedBy === 'primary' || answer.servedBy === 'cache' || answer.servedBy === 'stale_cache') {
      answer.scores.forEach((score, i) => {
        this.metrics.predictionTally.inc(model, variant, String(answer.labels[i]));
        this.metrics.scoreTally.observe(score, model, variant);
      });
    }
    if (answer.degradedBecause !== undefined) {
      // Only degraded answers log: the healthy path (primary, cache) writes nothing.
      this.log.warn(
        { request_id: requestId, model, variant, served_by: answer.servedBy, reason: answer.degradedBecause },
        `${model}/${variant} answered from ${answer.servedBy}: the primary failed (${answer.degradedBecause})`,
      );
    }
    return answer;
  }

  /** A cache hit says nothing about the models' capacity; the constant default because of overload is a refusal. */
  private feedOverload(model: string, answer: Answer): void {
    const feedback = this.deps.overloadFeedback;
    if (!feedback || answer.servedBy === 'cache') return;
    feedback(model, !(answer.servedBy === 'default' && answer.degradedBecause === 'overloaded'));
  }

  record(model: string, variant: string, servedBy: string, code: number, start: number): void {
    this.metrics.requestTally.inc(model, variant, servedBy, String(code));
    this.metrics.durationTally.observe((performance.now() - start) / 1000, model, variant, servedBy);
  }

  private countFeatureBins(model: string, features: Record<string, number | string>): void {
    const binner = this.deps.featureBinner;
    if (!binner) return;
    for (const feature in features) {
      const bin = binner(model, feature, features[feature] as number | string);
      if (bin !== undefined) this.metrics.featureBinTally.inc(model, feature, bin);
    }
  }

  /** Shadow mode: mirror to the challenger after answering; record agreement and latency only. */
  private mirror(model: string, servedVariant: string, rows: number[][], answer: Answer): void {
    const rt = this.runtime(model);
    const shadow = rt.shadow;
    if (!shadow || shadow === servedVariant || answer.servedBy !== 'primary') return;
    if (this.shadowInflight >= MAX_SHADOW_INFLIGHT) return;
    const upstream = rt.upstreams.get(shadow);
    if (!upstream) return;
    const threshold = rt.schema.models[upstream.tritonModel]?.decision_threshold ?? 0.5;
    this.shadowInflight++;
    const start = performance.now();
    const task = upstream
      .infer(rows, 1_000)
      .then((scores) => {
        this.metrics.shadowDuration.observe({ model, variant: shadow }, (performance.now() - start) / 1000);
        scores.forEach((s, i) => {
          const agree = (s >= threshold ? 1 : 0) === answer.labels[i];
          this.metrics.shadowAgreement.inc({ model, variant: shadow, agree: agree ? 'true' : 'false' });
        });
      })
      .catch(() => undefined)
      .finally(() => {
        this.shadowInflight--;
        this.pendingShadows.delete(task);
      });
    this.pendingShadows.add(task);
  }

  /** Readiness: a test prediction through every variant's primary path must succeed. */
  async warmUp(): Promise<void> {
    for (const rt of this.models.values()) {
      const row = encodeFeatures(rt.schema, defaultFeatureRecord(rt.schema));
      for (const upstream of rt.upstreams.values()) {
        await upstream.infer([row], 5_000);
      }
    }
  }

  async drainShadows(): Promise<void> {
    await Promise.allSettled([...this.pendingShadows]);
  }
}

function recordOf(value: unknown, field: string, valid: (v: unknown) => boolean): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`${field} must be an object`, field);
  }
  for (const [key, v] of Object.entries(value)) {
    if (!valid(v))
      throw new InvalidRequestError(`${field}.${key} has an invalid value ${JSON.stringify(v)}`, `${field}.${key}`);
  }
  return value as Record<string, unknown>;
}
