import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDatasetCsv } from '../../src/adapters/files/dataset-csv.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { startTriton, stopTriton } from '../../src/adapters/process/triton-server.ts';
import { TritonClient } from '../../src/adapters/triton/client.ts';
import type { AdaptiveBatchingLimits, BatchingSetting } from '../../src/core/batching/adaptive.ts';
import { asMixSchema, createPayloadMix } from '../../src/core/load/payload-mix.ts';
import { isGood } from '../../src/core/load/record.ts';
import { nearestRankQuantile } from '../../src/core/load/series.ts';
import { encodeFeatures, featureSchemaFile } from '../../src/core/spec/feature-schema.ts';
import { BatchingController } from '../../src/services/batching/controller.ts';
import { tritonBatchingPort } from '../../src/services/batching/triton-batching-port.ts';
import { runOpenLoad } from '../../src/services/load/open-load.ts';
import { spawnGateway, specVariant } from '../_support.ts';
import { runClosedLoop } from './closed-loop.ts';

/**
 * Adaptive batching on the real stack: one Triton serving fraud_v1 as shipped, one gateway
 * (prediction cache off, so every request reaches Triton), the project's open-model load
 * driver sending phases of traffic (e.g. high then low). With `controller: true` the batching
 * controller runs beside the load and reloads fraud_v1's configuration; without it the
 * configuration stays as shipped. Before each pass the model is put back to its shipped
 * setting, so passes with and without the controller start alike.
 */
export interface Phase {
  name: string;
  seconds: number;
  /** Open-model arrivals per second through the gateway (the project's load driver)... */
  ratePerSecond?: number;
  /**
   * ...or single-row KServe requests straight to Triton at this fixed in-flight count (the
   * batching bench's closed loop). On 2 shared cores the gateway saturates near 1,000 req/s,
   * before Triton's batches fill, so loading Triton itself needs the direct path.
   */
  tritonConcurrency?: number;
}

export interface PhaseResult {
  name: string;
  load: string;
  /** Good answers per second. */
  goodRps: number;
  p50Ms: number;
  p99Ms: number;
  /** Share of requests without a good answer (shed, errors, timeouts). */
  badRatio: number;
  /** Triton's requests / executions for fraud_v1 over the phase. */
  avgBatch: number;
  /** max_batch_size in force at the end of the phase. */
  maxBatchSizeAtEnd: number;
}

export interface AdaptiveStack {
  pass(options: { phases: Phase[]; controller: boolean; journal?: string }): Promise<{
    phases: PhaseResult[];
    decisions: BatchingController['decisions'];
  }>;
  close(): Promise<void>;
}

export const MODEL = 'fraud_v1';

export async function startAdaptiveStack(limits: AdaptiveBatchingLimits, intervalMs: number): Promise<AdaptiveStack> {
  const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
  const triton = await startTriton({ ports, models: [MODEL] });
  const client = new TritonClient({ url: triton.url, timeoutMs: 60_000, connections: 200 });
  const port = tritonBatchingPort(client);
  const shipped: BatchingSetting = await port.setting(MODEL);
  const spec = specVariant((s) => {
    s.cache = { ...s.cache, backend: 'none' };
    s.models[0].variants = [{ name: 'v1', tritonModel: MODEL, weight: 100 }];
    delete s.models[0].shadow;
  });
  const gwPort = await freePort();
  let gateway: Awaited<ReturnType<typeof spawnGateway>> | undefined;
  try {
    gateway = await spawnGateway(spec, gwPort, triton.url);
  } catch (error) {
    await client.close();
    await stopTriton(triton);
    throw error;
  }
  const gw = gateway;
  const schemaJson = JSON.parse(readFileSync(paths.featureSchema(), 'utf8'));
  const schema = featureSchemaFile.parse(schemaJson);
  const mix = createPayloadMix(asMixSchema(schemaJson), { seed: 20 });

  const rows = readDatasetCsv(join(paths.root(), 'serving', 'data', 'test.csv'), schema, 1024).map((r) =>
    encodeFeatures(schema, r.features),
  );
  let nextRow = 0;
  const drive = async (phase: Phase): Promise<Answer[]> => {
    if (phase.tritonConcurrency) {
      const answers: Answer[] = [];
      await runClosedLoop({
        concurrency: phase.tritonConcurrency,
        durationMs: phase.seconds * 1000,
        send: async () => {
          const row = rows[nextRow++ % rows.length] as number[];
          const t0 = performance.now();
          let good = true;
          try {
            await client.infer(MODEL, {
              inputs: [{ name: schema.input, shape: [1, row.length], datatype: 'FP32', data: row }],
            });
          } catch {
            good = false;
          }
          answers.push({ latencyMs: performance.now() - t0, good });
        },
      });
      return answers;
    }
    const run = await runOpenLoad({
      url: gw.url,
      ratePerSecond: phase.ratePerSecond ?? 100,
      durationMs: phase.seconds * 1000,
      next: mix.next,
      timeoutMs: 2_000,
    });
    return run.records.map((r) => ({ latencyMs: r.dropped ? Number.NaN : r.latencyMs, good: isGood(r) }));
  };

  return {
    async pass({ phases, controller, journal }) {
      const now = await port.setting(MODEL);
      if (now.maxBatchSize !== shipped.maxBatchSize || now.queueDelayUs !== shipped.queueDelayUs)
        await port.apply(MODEL, shipped);
      const stop = new AbortController();
      const ctl = controller ? new BatchingController({ model: MODEL, limits, port, journal }) : undefined;
      if (ctl) await ctl.start();
      const loop = ctl?.run(intervalMs, stop.signal);
      const results: PhaseResult[] = [];
      try {
        for (const phase of phases) {
          const before = await port.counters(MODEL);
          const answers = await drive(phase);
          const after = await port.counters(MODEL);
          results.push(summarize(phase, answers, before, after, (await port.setting(MODEL)).maxBatchSize));
        }
      } finally {
        stop.abort();
        await loop;
      }
      return { phases: results, decisions: ctl?.decisions ?? [] };
    },
    async close() {
      await gw.stop();
      await client.close();
      await stopTriton(triton);
    },
  };
}

interface Answer {
  latencyMs: number;
  good: boolean;
}

function summarize(
  phase: Phase,
  records: Answer[],
  before: { requests: number; executions: number },
  after: { requests: number; executions: number },
  maxBatchSizeAtEnd: number,
): PhaseResult {
  const answered = records.filter((r) => Number.isFinite(r.latencyMs)).map((r) => r.latencyMs);
  answered.sort((a, b) => a - b);
  const good = records.filter((r) => r.good).length;
  // A reload restarts Triton's counters; then the phase's "after" alone is the best we have.
  const requests = after.requests >= before.requests ? after.requests - before.requests : after.requests;
  const executions = after.executions >= before.executions ? after.executions - before.executions : after.executions;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    name: phase.name,
    load: phase.tritonConcurrency
      ? `${phase.tritonConcurrency} in flight to Triton`
      : `${phase.ratePerSecond} req/s via gateway`,
    goodRps: r3(good / phase.seconds),
    p50Ms: r3(nearestRankQuantile(answered, 0.5)),
    p99Ms: r3(nearestRankQuantile(answered, 0.99)),
    badRatio: r3(records.length ? 1 - good / records.length : 0),
    avgBatch: r3(executions > 0 ? requests / executions : Number.NaN),
    maxBatchSizeAtEnd,
  };
}
