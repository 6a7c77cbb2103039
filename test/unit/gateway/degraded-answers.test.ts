import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { paths } from '../../../src/adapters/process/paths.ts';
import { TritonClient } from '../../../src/adapters/triton/client.ts';
import { encodeFeatures, featureSchemaFile } from '../../../src/core/spec/feature-schema.ts';
import type { StackSpec } from '../../../src/core/spec/kinds/stack.ts';
import { MemoryPredictionStore } from '../../../src/gateway/cache/memory-store.ts';
import { InferenceGateway } from '../../../src/gateway/inference-gateway.ts';
import { createGatewayMetrics } from '../../../src/gateway/metrics.ts';
import { buildGatewayServer, type GatewayServerOptions } from '../../../src/gateway/server.ts';
import { testStack } from '../../integration/fixtures/gateway.ts';

const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
const VALID = Object.fromEntries(schema.features.map((f) => [f.name, f.default]));

/**
 * What a caller sees when the model cannot answer: Triton is a closed port, so the primary and
 * the fallback model both fail. A non-critical model answers the default, flagged in the body
 * and in a header; a critical one says 503 + Retry-After.
 */
describe('degraded answers are flagged, and never the default for a critical model', () => {
  const triton = new TritonClient({ url: 'http://127.0.0.1:9', timeoutMs: 50 });
  const apps: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await triton.close();
  });
  const feedback: [string, boolean][] = [];
  function serve(edit: (s: StackSpec) => void, extra: Partial<GatewayServerOptions> = {}) {
    const stack = testStack((s) => {
      s.models[0]!.deadline = '20ms';
      edit(s);
    });
    const gateway = new InferenceGateway({
      stack,
      schemas: new Map([['fraud', schema]]),
      triton,
      store: new MemoryPredictionStore(1000),
      metrics: createGatewayMetrics(),
      overloadFeedback: (model, answered) => feedback.push([model, answered]),
    });
    const { app } = buildGatewayServer(gateway, {
      maxBodyBytes: 4096,
      maxBatch: 32,
      maxInflight: 1000,
      adminToken: 't',
      ...extra,
    });
    apps.push(app);
    return app;
  }
  const predict = (app: ReturnType<typeof serve>, url = '/v1/predict') =>
    app.inject({ method: 'POST', url, payload: { user_id: 'u1', features: VALID } });

  it('a non-critical model answers the default prediction, flagged degraded in the body and the header', async () => {
    const app = serve(() => undefined);
    for (const url of ['/v1/predict', '/v1/models/fraud/predict']) {
      const res = await predict(app, url);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ served_by: 'default', degraded: true });
      expect(res.json().degraded_reason).toMatch(/unavailable|network|timeout/);
      expect(res.headers['x-steadystate-degraded']).toBe('default');
    }
    const row = encodeFeatures(schema, VALID);
    const infer = await app.inject({
      method: 'POST',
      url: '/v2/models/fraud/infer',
      payload: { inputs: [{ name: schema.input, shape: [1, row.length], datatype: 'FP32', data: row }] },
    });
    expect(infer.json().parameters).toMatchObject({ served_by: 'default', degraded: true });
    expect(infer.headers['x-steadystate-degraded']).toBe('default');
  });

  it('a critical model says 503 + Retry-After instead of the constant default', async () => {
    const app = serve((s) => {
      s.models[0]!.critical = true;
    });
    const res = await predict(app);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json().error).toMatch(/fraud is critical \(no default prediction\)/);
  });

  it('a dead upstream is not overload: the door counts its requests as admitted, so it never sheds for it (the fallback tiers and breakers do)', async () => {
    feedback.length = 0;
    await predict(serve(() => undefined)); // the default, flagged
    await predict(
      serve((s) => {
        s.models[0]!.critical = true;
      }),
    ); // 503 without a default
    expect(feedback).toEqual([
      ['fraud', true],
      ['fraud', true],
    ]);
  });

  it('sheds the share the door sets before the framework sees the request; health still answers', async () => {
    // A fixed share: 1 in 4 refused, evenly (the controllers' own behaviour is in door-admission.test.ts).
    const asked: (string | undefined)[] = [];
    const admission = {
      refuse: (() => {
        let n = 0;
        return (model: string | undefined) => {
          asked.push(model);
          return ++n % 4 !== 0
            ? undefined
            : "overloaded: the gateway's event loop is 60 ms behind and 25% of requests are shed; retry after 1 s";
        };
      })(),
    };
    const app = serve(() => undefined, { admission });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const post = () =>
      fetch(`${base}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'u1', features: VALID }),
      });
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await post());
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 503, 200, 200, 200, 503]);
    const shed = answers[3] as Response;
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(((await shed.json()) as { error: string }).error).toMatch(
      /event loop is 60 ms behind and 25% of requests are shed/,
    );
    // `/v1/predict` names no model: the door is asked for the default one (undefined here).
    expect(asked).toEqual(Array(8).fill(undefined));
    // Health and metrics are never shed, and the shed requests are counted.
    for (let i = 0; i < 8; i++) expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/requests_total\{[^}]*served_by="shed"[^}]*\} 2\n/);
  });
});
