import { beforeAll, describe, expect, it } from 'vitest';
import { GatewayAdminClient } from '../../src/adapters/gateway/admin-client.ts';
import type { TritonInstance } from '../../src/adapters/process/triton-server.ts';
import type { ExperimentConfig } from '../../src/core/abtest/experiment-config.ts';
import type { RunningGateway } from '../../src/gateway/start.ts';
import { AbController } from '../../src/services/abtest/controller.ts';
import { gatewayCounterSource } from '../../src/services/abtest/gateway-counter-source.ts';
import { shippedExperiment } from '../unit/core/abtest/fixtures.ts';
import { ADMIN_TOKEN, admin, featuresFor, predict, startTestGateway } from './fixtures/gateway.ts';
import { sharedTriton } from './fixtures/shared-triton.ts';

/**
 * The playbook's "A/B test failure: variant B error rate > 2x variant A -> auto-rollback to
 * 100% A within 30 s", end to end: real Triton, the real gateway (errors injected into v2
 * at its Triton client), the A/B controller reading the gateway's /metrics and acting
 * through its admin API.
 */
describe('A/B controller against the real gateway and Triton', () => {
  let triton: TritonInstance;
  let gw: RunningGateway;
  const config: ExperimentConfig = { ...shippedExperiment(), evaluateEverySeconds: 1 };

  beforeAll(async () => {
    triton = await sharedTriton();
  });

  async function run(withFault: boolean, seconds: number) {
    gw = await startTestGateway(triton.url);
    const controller = new AbController({
      config,
      source: gatewayCounterSource({
        metricsUrl: `${gw.url}/metrics`,
        model: config.model,
        errorServedBy: config.errorServedBy,
        positiveLabel: config.positiveLabel,
      }),
      admin: new GatewayAdminClient({ url: gw.url, token: ADMIN_TOKEN }),
    });
    let stop = false;
    let sent = 0;
    // Open traffic: distinct users and rows (no cache hits), ~4 concurrent callers.
    const traffic = Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        while (!stop) {
          const i = sent++;
          await predict(gw.url, `ab-${worker}-${i}`, featuresFor(100_000 + i));
        }
      }),
    );
    try {
      await controller.tick();
      const startedAt = Date.now();
      if (withFault) {
        const res = await admin(gw.url, 'PUT', '/admin/faults', {
          faults: [{ model: 'fraud', variant: 'v2', kind: 'error', probability: 0.3, seed: 3 }],
        });
        expect(res.status).toBe(200);
      }
      let rolledBackAfter: number | undefined;
      while ((Date.now() - startedAt) / 1000 < seconds) {
        await new Promise((r) => setTimeout(r, config.evaluateEverySeconds * 1000));
        const result = await controller.tick();
        if (result.applied?.ok) {
          rolledBackAfter = (Date.now() - startedAt) / 1000;
          break;
        }
      }
      const weights = (await admin(gw.url, 'GET', '/admin/models/fraud/weights')).body.weights;
      return { rolledBackAfter, weights, decision: controller.lastVerdict?.decision, sent };
    } finally {
      stop = true;
      await traffic;
      await gw.close();
    }
  }

  it('errors in v2 only: rolls back to 100% v1 within 30 s', async () => {
    const result = await run(true, 30);
    console.log(
      `real gateway: rollback ${result.rolledBackAfter?.toFixed(1)} s after the fault, ${result.sent} requests`,
    );
    expect(result.decision).toBe('rollback');
    expect(result.rolledBackAfter).toBeLessThan(30);
    expect(result.weights).toEqual({ v1: 100, v2: 0 });
  });

  it('no fault: no rollback over the same time', async () => {
    const result = await run(false, 20);
    expect(result.rolledBackAfter).toBeUndefined();
    expect(result.decision).not.toBe('rollback');
    expect(result.weights).toEqual({ v1: 80, v2: 20 });
  });
});
