import { describe, expect, it } from 'vitest';
import { GATEWAY } from '../../../src/core/metrics/names.ts';
import { createGatewayMetrics } from '../../../src/gateway/metrics.ts';

describe('gateway metrics', () => {
  it('exposes the in-flight count the hot path set as a plain number, at every scrape', async () => {
    const metrics = createGatewayMetrics();
    metrics.inflight.set(3);
    expect(await metrics.registry.metrics()).toMatch(new RegExp(`^${GATEWAY.inflight} 3$`, 'm'));
    metrics.inflight.set(0);
    expect(await metrics.registry.metrics()).toMatch(new RegExp(`^${GATEWAY.inflight} 0$`, 'm'));
  });
});
