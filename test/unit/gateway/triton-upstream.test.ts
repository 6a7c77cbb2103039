import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TritonClient } from '../../../src/adapters/triton/client.ts';
import { createGatewayMetrics } from '../../../src/gateway/metrics.ts';
import { EventLoopLag, type LagSource, NO_LAG } from '../../../src/gateway/overload/event-loop-lag.ts';
import { FaultInjector } from '../../../src/gateway/upstream/faults.ts';
import { TritonUpstream } from '../../../src/gateway/upstream/triton-upstream.ts';

/**
 * TritonUpstream against a stand-in Triton over real HTTP: `/v2/models/<name>/infer` answers
 * one score per row after `delayMs`; the "inf" model answers a score that parses as Infinity.
 */
describe('TritonUpstream: breaker and concurrency limit judge the upstream', () => {
  let server: Server;
  let client: TritonClient;
  const delayMs = 30;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        const rows = (JSON.parse(body) as { inputs: { shape: number[] }[] }).inputs[0]?.shape[0] ?? 1;
        const score = req.url?.includes('/inf/') ? '1e999' : '0.25';
        setTimeout(() => {
          res.setHeader('content-type', 'application/json');
          res.end(
            `{"outputs":[{"name":"p","datatype":"FP32","shape":[${rows},1],"data":[${Array(rows).fill(score).join(',')}]}]}`,
          );
        }, delayMs);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new TritonClient({
      url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      timeoutMs: 2_000,
    });
  });
  afterAll(async () => {
    await client.close();
    await new Promise((r) => server.close(r));
  });

  const upstream = (
    tritonModel: string,
    lag: LagSource,
    concurrency?: { initial: number; min: number; max: number },
  ) => {
    const metrics = createGatewayMetrics();
    const u = new TritonUpstream({
      model: 'fraud',
      variant: 'v1',
      tritonModel,
      inputName: 'features',
      client,
      faults: new FaultInjector(),
      metrics,
      breaker: { failureRatio: 0.5, windowMs: 2_000, minimumRps: 1, halfOpenAfterMs: 60_000, slowCallMs: 60 },
      lag,
      ...(concurrency
        ? {
            concurrency: {
              ...concurrency,
              tolerance: 1.5,
              smoothing: 0.2,
              windowMs: 100,
              windowSamples: 10,
              probeIntervalMs: 30_000,
              probeSamples: 1,
            },
          }
        : {}),
    });
    return { u, metrics };
  };
  const errorsOf = async (metrics: ReturnType<typeof createGatewayMetrics>) =>
    Object.fromEntries((await metrics.upstreamErrors.get()).values.map((v) => [v.labels.reason, v.value]));

  it('counts non-finite scores apart (reason non_finite) and keeps the breaker closed for everyone else', async () => {
    const { u, metrics } = upstream('inf', NO_LAG);
    for (let i = 0; i < 12; i++) await expect(u.infer([[1, 2]], 1_000)).rejects.toMatchObject({ reason: 'non_finite' });
    expect(u.circuitOpen).toBe(false);
    expect(await errorsOf(metrics)).toEqual({ non_finite: 12 });
  });

  it('cuts a call off at its deadline (reason timeout); a call within it answers', async () => {
    const { u, metrics } = upstream('fraud_v1', NO_LAG);
    const t0 = performance.now();
    await expect(u.infer([[1]], 10)).rejects.toMatchObject({ reason: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(delayMs);
    expect(await errorsOf(metrics)).toEqual({ timeout: 1 });
    await expect(u.infer([[1]], 60_000)).resolves.toEqual([0.25]);
  });

  /** Calls that each sit behind a 100 ms block of the gateway's own loop: slow as seen by the gateway, fast upstream. */
  async function callsThroughABlockedLoop(u: TritonUpstream): Promise<void> {
    for (let i = 0; i < 8; i++) {
      const call = u.infer([[1]], 2_000).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5));
      const until = performance.now() + 100;
      while (performance.now() < until) {
        // the gateway's event loop is saturated: the answer waits in the socket
      }
      await call;
    }
  }

  it('does not open the breaker for slowness the gateway caused itself (event-loop stalls are taken out)', async () => {
    const lag = new EventLoopLag({ tickMs: 5 });
    try {
      const { u } = upstream('fast', lag);
      await callsThroughABlockedLoop(u);
      expect(u.circuitOpen).toBe(false);
    } finally {
      lag.close();
    }
  });

  it('without the lag correction the same calls open it (the defect in issue 18)', async () => {
    const { u } = upstream('fast', NO_LAG);
    await callsThroughABlockedLoop(u);
    expect(u.circuitOpen).toBe(true);
  });

  it('refuses calls beyond the concurrency limit at once, as overloaded', async () => {
    const { u, metrics } = upstream('fast', NO_LAG, { initial: 2, min: 2, max: 2 });
    const t0 = performance.now();
    const results = await Promise.allSettled([u.infer([[1]], 1_000), u.infer([[1]], 1_000), u.infer([[1]], 1_000)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ reason: 'overloaded' });
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await errorsOf(metrics)).toEqual({ overloaded: 1 });
    expect(u.limit?.inflight).toBe(0);
  });
});
