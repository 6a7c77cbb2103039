import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../../../src/adapters/triton/metrics-text.ts';
import { type ShadowCounters, shadowFromSamples, shadowReport } from '../../../../src/core/abtest/shadow.ts';
import { binomial } from '../../../../src/core/abtest/simulation.ts';
import { GATEWAY } from '../../../../src/core/metrics/names.ts';
import { mulberry32 } from '../../../../src/core/random/mulberry32.ts';

const options = { alpha: 0.05, plannedSamples: 5000 };

describe('shadow (champion/challenger) report', () => {
  it('reads agreement and latency of the mirrored variant against the served ones', async () => {
    const registry = new Registry();
    const agreement = new Counter({
      name: GATEWAY.shadowAgreement,
      help: 'h',
      labelNames: ['model', 'variant', 'agree'],
      registers: [registry],
    });
    const shadowLatency = new Histogram({
      name: GATEWAY.shadowDuration,
      help: 'h',
      labelNames: ['model', 'variant'],
      buckets: [0.01, 0.05],
      registers: [registry],
    });
    const upstream = new Histogram({
      name: GATEWAY.upstreamDuration,
      help: 'h',
      labelNames: ['model', 'variant'],
      buckets: [0.01, 0.05],
      registers: [registry],
    });
    agreement.inc({ model: 'fraud', variant: 'v2', agree: 'true' }, 940);
    agreement.inc({ model: 'fraud', variant: 'v2', agree: 'false' }, 60);
    for (const l of [0.02, 0.03]) shadowLatency.observe({ model: 'fraud', variant: 'v2' }, l);
    for (const l of [0.005, 0.015]) upstream.observe({ model: 'fraud', variant: 'v1' }, l);
    const [counters, ...rest] = shadowFromSamples(parsePrometheusText(await registry.metrics()), 'fraud');
    expect(rest).toHaveLength(0);
    expect(counters).toMatchObject({ variant: 'v2', compared: 1000, agreed: 940 });
    const report = shadowReport(counters as ShadowCounters, options);
    expect(report.agreement).toBeCloseTo(0.94, 12);
    expect(report.latencyDifferenceSeconds).toBeCloseTo(0.025 - 0.01, 12);
    const [lo, hi] = report.interval as [number, number];
    expect(lo).toBeLessThan(0.94);
    expect(hi).toBeGreaterThan(0.94);
    expect(report.reason).toMatch(/shadow v2: 94\.0% agreement over 1000 mirrored requests .* \+15\.0 ms vs served/);
  });

  it('no mirrored traffic is said plainly', () => {
    const empty = {
      variant: 'v2',
      compared: 0,
      agreed: 0,
      latency: { count: 0, sum: 0, sumSquares: 0 },
      servedLatency: { count: 0, sum: 0, sumSquares: 0 },
    };
    expect(shadowReport(empty, options)).toMatchObject({
      interval: null,
      latencyDifferenceSeconds: null,
      reason: 'shadow v2: no mirrored requests yet',
    });
  });

  it('the agreement interval covers the true rate at every look in >= 95% of seeded streams', () => {
    const random = mulberry32(5);
    let missed = 0;
    const streams = 400;
    for (let s = 0; s < streams; s++) {
      let compared = 0;
      let agreed = 0;
      let ok = true;
      for (let look = 0; look < 100; look++) {
        compared += 50;
        agreed += binomial(random, 50, 0.9);
        if (compared < 200) continue;
        const r = shadowReport(
          {
            variant: 'v2',
            compared,
            agreed,
            latency: { count: 0, sum: 0, sumSquares: 0 },
            servedLatency: { count: 0, sum: 0, sumSquares: 0 },
          },
          options,
        );
        const [lo, hi] = r.interval as [number, number];
        if (lo > 0.9 || hi < 0.9) ok = false;
      }
      if (!ok) missed++;
    }
    expect(missed / streams).toBeLessThanOrEqual(0.05 + 0.011);
  });
});
