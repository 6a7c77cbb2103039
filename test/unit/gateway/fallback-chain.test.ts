import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../../src/gateway/cache/coalescer.ts';
import { GuardedPredictionStore } from '../../../src/gateway/cache/guarded-store.ts';
import { MemoryPredictionStore } from '../../../src/gateway/cache/memory-store.ts';
import { createGatewayMetrics } from '../../../src/gateway/metrics.ts';
import { type ChainSettings, FallbackChain } from '../../../src/gateway/pipeline/fallback-chain.ts';
import { FakeUpstream } from '../../../src/gateway/upstream/fake-upstream.ts';
import { UpstreamError } from '../../../src/gateway/upstream/upstream.ts';

const ROWS = [[1, 2, 3]];

/** A chain over fakes: v1 scores rows one way, the fallback model another (so the tier shows in the score). */
function chain(overrides: Partial<ChainSettings> = {}, withFallback = true) {
  const primary = new FakeUpstream({ variant: 'v1', tritonModel: 'fraud_v1', score: () => 0.9 });
  const fallback = new FakeUpstream({ variant: 'fallback', tritonModel: 'fraud_fallback', score: () => 0.3 });
  const settings: ChainSettings = {
    model: 'fraud',
    deadlineMs: 80,
    fallbacksEnabled: true,
    ttlMs: 60_000,
    staleForMs: 600_000,
    earlyExpirationBeta: 1,
    retryIfRemainingMs: 40,
    defaultScore: 0.01,
    allowDefault: true,
    thresholds: { fraud_v1: 0.5, fraud_fallback: 0.25 },
    ...overrides,
  };
  const metrics = createGatewayMetrics();
  const subject = new FallbackChain({
    settings,
    upstreams: new Map([['v1', primary]]),
    fallback: withFallback ? fallback : undefined,
    cache: new GuardedPredictionStore(new MemoryPredictionStore(100), 5),
    coalescer: new Coalescer<number[]>(),
    metrics,
    random: () => 0.999_999, // never refresh early (XFetch): tiers only
  });
  return { subject, primary, fallback, metrics };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the fallback chain over in-memory upstreams', () => {
  it('answers from the primary, then from the cache without calling it again', async () => {
    const { subject, primary } = chain();
    expect(await subject.answer('v1', ROWS)).toMatchObject({ servedBy: 'primary', scores: [0.9], labels: [1] });
    await settle(); // the cache write is fire-and-forget
    expect(await subject.answer('v1', ROWS)).toMatchObject({ servedBy: 'cache', scores: [0.9], stale: false });
    expect(primary.calls).toHaveLength(1);
  });

  it('serves the stale entry when the primary fails after the TTL (stale-if-error)', async () => {
    const { subject, primary } = chain({ ttlMs: 0 });
    await subject.answer('v1', ROWS);
    await settle();
    primary.always({ kind: 'fail', reason: 'http_5xx' });
    expect(await subject.answer('v1', ROWS)).toMatchObject({
      servedBy: 'stale_cache',
      stale: true,
      scores: [0.9],
      degradedBecause: 'http_5xx',
    });
  });

  it('falls back to the fallback model, labelled with its own threshold', async () => {
    const { subject, primary, fallback } = chain();
    primary.always({ kind: 'fail', reason: 'unavailable' });
    expect(await subject.answer('v1', ROWS)).toMatchObject({
      servedBy: 'fallback_model',
      scores: [0.3],
      labels: [1], // 0.3 >= the fallback model's 0.25, though below v1's 0.5
      degradedBecause: 'unavailable',
    });
    expect(fallback.calls).toHaveLength(1);
  });

  it('ends in the default prediction when the fallback model fails too', async () => {
    const { subject, primary, fallback } = chain();
    primary.always({ kind: 'fail', reason: 'network' });
    fallback.always({ kind: 'fail', reason: 'network' });
    expect(await subject.answer('v1', [ROWS[0] as number[], [4, 5, 6]])).toMatchObject({
      servedBy: 'default',
      scores: [0.01, 0.01],
      labels: [0, 0],
      degradedBecause: 'network',
    });
  });

  it('with fallbacks disabled, the primary failure is the answer (no cache, no fallback model)', async () => {
    const { subject, primary, fallback } = chain({ fallbacksEnabled: false });
    primary.always({ kind: 'fail', reason: 'circuit_open' });
    await expect(subject.answer('v1', ROWS)).rejects.toBeInstanceOf(UpstreamError);
    expect(fallback.calls).toHaveLength(0);
  });

  it('keeps the deadline: a stalled primary gets the deadline less the fallback reserve, and the fallback answers in time', async () => {
    const { subject, primary } = chain({ deadlineMs: 120 });
    primary.always({ kind: 'answer', delayMs: 5_000 });
    const start = performance.now();
    const answer = await subject.answer('v1', ROWS);
    const took = performance.now() - start;
    expect(answer).toMatchObject({ servedBy: 'fallback_model', degradedBecause: 'timeout' });
    // 120 ms less a 25 ms reserve for the fallback model.
    expect(primary.calls[0]?.timeoutMs).toBeGreaterThan(90);
    expect(primary.calls[0]?.timeoutMs).toBeLessThanOrEqual(95);
    expect(took).toBeLessThan(120 + 50);
  });

  it('without a fallback model the primary gets the whole deadline, then the default answers', async () => {
    const { subject, primary } = chain({ deadlineMs: 60 }, false);
    primary.always({ kind: 'answer', delayMs: 5_000 });
    expect(await subject.answer('v1', ROWS)).toMatchObject({ servedBy: 'default' });
    expect(primary.calls[0]?.timeoutMs).toBeGreaterThan(55);
  });

  it.each([
    ['a 5xx with budget left (one retry)', 'http_5xx', 0, 2, 'primary'],
    ['a reset connection with budget left (one retry)', 'network', 0, 2, 'primary'],
    ['a timeout (no retry: the budget is spent)', 'timeout', 0, 1, 'fallback_model'],
    ['an open circuit (no retry: it cannot help)', 'circuit_open', 0, 1, 'fallback_model'],
    ['a 5xx that left less than retryIfRemaining (no retry)', 'http_5xx', 50, 1, 'fallback_model'],
  ] as const)('after %s: %i primary call(s), then %s', async (_name, reason, delayMs, calls, servedBy) => {
    const { subject, primary } = chain({ deadlineMs: 100, retryIfRemainingMs: 40 });
    primary.play({ kind: 'fail', reason, delayMs });
    const answer = await subject.answer('v1', ROWS);
    expect(primary.calls).toHaveLength(calls);
    expect(answer.servedBy).toBe(servedBy);
    if (calls === 2) expect(primary.calls[1]?.timeoutMs).toBeLessThan(primary.calls[0]?.timeoutMs as number);
  });

  it('coalesces concurrent identical requests into one primary call', async () => {
    const { subject, primary, metrics } = chain();
    primary.always({ kind: 'answer', delayMs: 10 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => subject.answer('v1', ROWS)));
    expect(primary.calls).toHaveLength(1);
    expect(answers.every((a) => a.servedBy === 'primary' && a.scores[0] === 0.9)).toBe(true);
    expect(await metrics.registry.getSingleMetricAsString('inference_cache_requests_total')).toMatch(
      /result="coalesced"} 19/,
    );
  });

  it('never answers the default for a critical model: every tier failed is an error (503), not "not fraud"', async () => {
    const { subject, primary, fallback } = chain({ allowDefault: false });
    primary.always({ kind: 'fail', reason: 'http_5xx' });
    fallback.always({ kind: 'fail', reason: 'http_5xx' });
    await expect(subject.answer('v1', ROWS)).rejects.toMatchObject({ reason: 'http_5xx' });
    fallback.always({ kind: 'answer' });
    // The fallback model is still allowed for a critical model.
    expect(await subject.answer('v1', ROWS)).toMatchObject({ servedBy: 'fallback_model', degradedBecause: 'http_5xx' });
  });

  it('a primary refused by its concurrency limit answers from the stale cache or the fallback model, then by the spec policy: the default (non-critical) or an error (critical)', async () => {
    const { subject, primary, fallback } = chain();
    primary.always({ kind: 'fail', reason: 'overloaded' });
    expect(await subject.answer('v1', ROWS)).toMatchObject({
      servedBy: 'fallback_model',
      degradedBecause: 'overloaded',
    });
    // The fallback model refused by its own limit too: the flagged default for a non-critical
    // model, an error (503) for a critical one.
    fallback.always({ kind: 'fail', reason: 'overloaded' });
    expect(await subject.answer('v1', ROWS)).toMatchObject({ servedBy: 'default', degradedBecause: 'overloaded' });
    const critical = chain({ allowDefault: false });
    critical.primary.always({ kind: 'fail', reason: 'overloaded' });
    critical.fallback.always({ kind: 'fail', reason: 'overloaded' });
    await expect(critical.subject.answer('v1', ROWS)).rejects.toMatchObject({ reason: 'overloaded' });
    const withStale = chain({ ttlMs: 0 });
    await withStale.subject.answer('v1', ROWS);
    await settle();
    withStale.primary.always({ kind: 'fail', reason: 'overloaded' });
    expect(await withStale.subject.answer('v1', ROWS)).toMatchObject({
      servedBy: 'stale_cache',
      degradedBecause: 'overloaded',
    });
  });

  it('does not retry a call refused by the concurrency limit: a retry adds load exactly when there is too much', async () => {
    const { subject, primary } = chain({ retryIfRemainingMs: 0 });
    primary.always({ kind: 'fail', reason: 'overloaded' });
    expect(await subject.answer('v1', ROWS)).toMatchObject({ servedBy: 'fallback_model' });
    expect(primary.calls).toHaveLength(1);
  });
});
