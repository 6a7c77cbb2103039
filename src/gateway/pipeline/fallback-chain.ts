import type { Coalescer } from '../cache/coalescer.ts';
import type { GuardedPredictionStore } from '../cache/guarded-store.ts';
import { predictionCacheKey } from '../cache/key.ts';
import type { CachedPrediction } from '../cache/store.ts';
import { shouldRefreshEarly } from '../cache/xfetch.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { type Upstream, UpstreamError } from '../upstream/upstream.ts';
import type { Answer } from './answer.ts';

const NOT_RETRIED = new Set<UpstreamError['reason']>(['circuit_open', 'timeout', 'overloaded', 'non_finite']);

export interface ChainSettings {
  model: string;
  deadlineMs: number;
  fallbacksEnabled: boolean;
  ttlMs: number;
  staleForMs: number;
  earlyExpirationBeta: number;
  retryIfRemainingMs: number;
  defaultScore: number;
  /** The default prediction may answer (non-critical models only); else the chain ends in an error (503). */
  allowDefault: boolean;
  /** Decision thresholds by Triton model name (the variant's and the fallback model's). */
  thresholds: Record<string, number>;
}

/**
 * The playbook's fallback chain, within one per-request deadline derived from the SLO:
 *
 *   fresh cache -> primary Triton model (coalesced, one retry within budget)
 *     -> stale cache -> fallback model -> default prediction
 *
 * The primary gets the deadline minus a reserve for the fallback model, so a 500 ms stall
 * upstream still ends in an answer before the deadline. Every answer names its tier.
 *
 * A critical model (`allowDefault` false) never answers the constant default. A primary
 * refused by its adaptive concurrency limit (`overloaded`) goes down the same chain: stale
 * cache, the fallback model (itself behind its own adaptive limit), then the default where
 * the spec allows it; every such answer is flagged as degraded.
 */
export class FallbackChain {
  private readonly settings: ChainSettings;
  private readonly upstreams: Map<string, Upstream>;
  private readonly fallback: Upstream | undefined;
  private readonly cache: GuardedPredictionStore;
  private readonly coalescer: Coalescer<number[]>;
  private readonly metrics: GatewayMetrics;
  private readonly random: () => number;

  constructor(opts: {
    settings: ChainSettings;
    upstreams: Map<string, Upstream>;
    fallback: Upstream | undefined;
    cache: GuardedPredictionStore;
    coalescer: Coalescer<number[]>;
    metrics: GatewayMetrics;
    random?: () => number;
  }) {
    this.settings = opts.settings;
    this.upstreams = opts.upstreams;
    this.fallback = opts.fallback;
    this.cache = opts.cache;
    this.coalescer = opts.coalescer;
    this.metrics = opts.metrics;
    this.random = opts.random ?? Math.random;
  }

  get fallbackUpstream(): Upstream | undefined {
    return this.fallback;
  }

  /** Reserve kept for the fallback model: a third of the deadline, at most 25 ms. */
  private get fallbackReserveMs(): number {
    if (!this.settings.fallbacksEnabled || !this.fallback) return 0;
    return Math.min(25, this.settings.deadlineMs / 3);
  }

  async answer(variant: string, rows: number[][]): Promise<Answer> {
    const s = this.settings;
    const startedAt = performance.now();
    const deadlineAt = startedAt + s.deadlineMs;
    const upstream = this.upstreams.get(variant);
    if (!upstream) throw new Error(`no upstream for ${s.model}/${variant}`);
    const key = predictionCacheKey(s.model, variant, rows);
    const variantThreshold = s.thresholds[upstream.tritonModel] ?? 0.5;

    let stale: CachedPrediction | undefined;
    if (s.fallbacksEnabled) {
      const read = await this.cache.read(key);
      this.metrics.cacheTally.inc(s.model, read.outcome);
      if (read.outcome === 'hit') {
        const v = read.value;
        if (shouldRefreshEarly(Date.now(), v.expiresAtMs, v.computeMs, s.earlyExpirationBeta, this.random())) {
          // Refresh in the background, coalesced: one reader recomputes, nobody waits.
          void this.coalescer
            .run(key, () => this.computeAndStore(upstream, key, rows, s.deadlineMs))
            .catch(() => undefined);
        }
        return this.make(v.scores, variantThreshold, variant, 'cache', false);
      }
      if (read.outcome === 'stale') stale = read.value;
    }

    let failure: UpstreamError | undefined;
    try {
      const budget = deadlineAt - performance.now() - this.fallbackReserveMs;
      const { value, leader } = await this.coalescer.run(key, () => this.computeAndStore(upstream, key, rows, budget));
      if (!leader) this.metrics.cacheTally.inc(s.model, 'coalesced');
      return this.make(value, variantThreshold, variant, 'primary', false);
    } catch (error) {
      failure = error instanceof UpstreamError ? error : new UpstreamError('network', String(error), error);
    }
    if (!s.fallbacksEnabled) throw failure;

    if (stale)
      return {
        ...this.make(stale.scores, variantThreshold, variant, 'stale_cache', true),
        degradedBecause: failure.reason,
      };
    // Overloaded: the limit cannot tell a primary slowed by its own queue from one slowed by
    // something else (a slow GPU, a noisy neighbour: the latency-500ms experiment), and the
    // playbook's answer to a slow model is the simpler one. The fallback model has its own
    // adaptive limit, so on a saturated shared Triton its excess is refused too and shed;
    // without that bound its traffic raised the primary's latency until the fallback answered
    // 90% (measured in the overload bench).
    if (this.fallback) {
      const remaining = deadlineAt - performance.now();
      if (remaining > 1) {
        try {
          // Coalesced too: when a shared primary call fails, its followers share one fallback call.
          const fallback = this.fallback;
          const { value: scores } = await this.coalescer.run(`${key}:fallback`, () => fallback.infer(rows, remaining));
          const threshold = s.thresholds[this.fallback.tritonModel] ?? variantThreshold;
          return { ...this.make(scores, threshold, variant, 'fallback_model', false), degradedBecause: failure.reason };
        } catch {
          // fall through to the default
        }
      }
    }
    // The spec's policy decides, overload or not: a critical model never answers the constant
    // default (an error, 503, instead); a non-critical one may, flagged as degraded.
    if (!s.allowDefault) throw failure;
    return {
      ...this.make(
        rows.map(() => s.defaultScore),
        variantThreshold,
        variant,
        'default',
        false,
      ),
      degradedBecause: failure.reason,
    };
  }

  /** Primary call with one retry when enough of the budget is left; stores the result. */
  private async computeAndStore(
    upstream: Upstream,
    key: string,
    rows: number[][],
    budgetMs: number,
  ): Promise<number[]> {
    const s = this.settings;
    const start = performance.now();
    let scores: number[];
    try {
      scores = await upstream.infer(rows, budgetMs);
    } catch (error) {
      const remaining = budgetMs - (performance.now() - start);
      // No retry where a second call cannot do better: an open circuit, a spent budget, a full
      // concurrency limit (retrying would add load exactly when there is too much), the same rows again.
      const retriable = error instanceof UpstreamError && !NOT_RETRIED.has(error.reason);
      if (!retriable || remaining < s.retryIfRemainingMs) throw error;
      scores = await upstream.infer(rows, remaining);
    }
    const computeMs = performance.now() - start;
    const now = Date.now();
    this.cache.write(key, {
      scores,
      storedAtMs: now,
      expiresAtMs: now + s.ttlMs,
      staleUntilMs: now + s.ttlMs + s.staleForMs,
      computeMs,
    });
    return scores;
  }

  private make(
    scores: number[],
    threshold: number,
    variant: string,
    servedBy: Answer['servedBy'],
    stale: boolean,
  ): Answer {
    return {
      scores,
      labels: scores.map((s) => (s >= threshold ? 1 : 0)),
      model: this.settings.model,
      variant,
      servedBy,
      stale,
    };
  }
}
