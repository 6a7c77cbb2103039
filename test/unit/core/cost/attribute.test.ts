import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../../../src/adapters/triton/metrics-text.ts';
import { attributeCost, EmptyWindowError } from '../../../../src/core/cost/attribute.ts';
import { countersFromSamples, gpuSeconds, isEmptyWindow } from '../../../../src/core/cost/counters.ts';
import { recommendPacking } from '../../../../src/core/cost/recommend.ts';
import type { ModelSpec, StackSpec } from '../../../../src/core/spec/kinds/stack.ts';
import { parseSpec, stackOf } from '../../../../src/core/spec/parse.ts';

/**
 * Recorded counters (fixtures/capture.ts): a real Triton 2.51 and the real gateway after
 * 120 new rows (99 v1 + 21 v2 primary answers), 60 repeats (cache) and 40 rows under a
 * fault on every variant (fallback model). Triton also counts its own start-up test
 * prediction per model and the gateway's warm-up per variant: v1 101, v2 23, fallback 41.
 */
const fixture = (name: string) =>
  parsePrometheusText(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8'));
const samples = [...fixture('triton-metrics.txt'), ...fixture('gateway-metrics.txt')];
const stack: StackSpec = stackOf(parseSpec(readFileSync('steadystate.yaml', 'utf8'))).spec;
const cost = stack.cost ?? (undefined as never);
const PER_SECOND = 1.006 / 3600;

describe('cost from recorded Triton and gateway counters, by hand', () => {
  const counters = countersFromSamples([], samples, 3600);

  it('reads compute input + infer + output per Triton model', () => {
    // v1: 3036 + 134935 + 13005 us; v2: 765 + 46391 + 2838; fallback: 1257 + 54753 + 2023.
    expect(counters.triton.fraud_v1).toEqual({ computeUs: 150_976, requests: 101, executions: 101 });
    expect(gpuSeconds(counters.triton.fraud_v2 ?? (undefined as never))).toBeCloseTo(0.049994, 9);
    expect(gpuSeconds(counters.triton.fraud_fallback ?? (undefined as never))).toBeCloseTo(0.058033, 9);
  });

  it('charges the memory share over an hour, when it outweighs the compute', () => {
    const report = attributeCost(stack.models, cost, counters);
    const fraud = report.models[0] ?? (undefined as never);
    expect(fraud.team).toBe('risk');
    expect(fraud.predictions).toBe(220); // 120 primary + 60 cache + 40 fallback
    expect(fraud.gpuSeconds).toBeCloseTo(0.259003, 9);
    expect(fraud.computeCost).toBeCloseTo(0.259003 * PER_SECOND, 12); // 7.2377e-5
    // 512Mi + 768Mi + 256Mi = 1.5 GiB of a 24 GiB A10G = 0.0625, for 3600 s at 1.006/h.
    expect(fraud.memoryShare).toBeCloseTo(0.0625, 12);
    expect(fraud.memoryCost).toBeCloseTo(0.062875, 12);
    expect(fraud.cost).toBeCloseTo(0.062875, 12);
    expect(fraud.costPer1000).toBeCloseTo((0.062875 / 220) * 1000, 12); // 0.28580
    expect(report.teams).toEqual([
      { team: 'risk', models: ['fraud'], predictions: 220, cost: fraud.cost, costPer1000: fraud.costPer1000 },
    ]);
    expect(report.unattributed).toEqual([]);
  });

  it('counts cache answers as free and fallback answers at the fallback model', () => {
    const tiers = Object.fromEntries(
      (attributeCost(stack.models, cost, counters).models[0]?.tiers ?? []).map((t) => [t.servedBy, t]),
    );
    expect(tiers.primary?.answers).toBe(120);
    expect(tiers.primary?.cost).toBeCloseTo((0.150976 + 0.049994) * PER_SECOND, 12);
    expect(tiers.primary?.costPer1000).toBeCloseTo((0.20097 * PER_SECOND * 1000) / 120, 12); // 4.680e-4
    expect(tiers.cache).toMatchObject({ answers: 60, cost: 0, costPer1000: 0 });
    expect(tiers.fallback_model?.answers).toBe(40);
    expect(tiers.fallback_model?.costPer1000).toBeCloseTo((0.058033 * PER_SECOND * 1000) / 40, 12); // 4.054e-4
    expect(tiers.default?.answers).toBe(0);
  });

  it('charges the compute when the window is too short for the memory to outweigh it', () => {
    const fraud = attributeCost(stack.models, cost, countersFromSamples([], samples, 1)).models[0];
    // memory: 0.0625 × 1 s × 1.006/3600 = 1.747e-5 < compute 7.238e-5
    expect(fraud?.cost).toBeCloseTo(0.259003 * PER_SECOND, 12);
  });

  it('recommends one GPU for the three quiet Triton models, saving two GPUs a month', () => {
    const advice = recommendPacking(stack.models, cost, counters);
    expect(advice.packing.gpusBefore).toBe(3);
    expect(advice.packing.gpusAfter).toBe(1);
    expect(advice.items.find((i) => i.name === 'fraud_v1')?.load).toBeCloseTo(0.150976 / 3600, 12);
    expect(advice.monthlySaving).toBeCloseTo(2 * 1.006 * 730.5, 9); // 1469.766
  });

  it('subtracts a baseline scrape and treats a lower value as a counter reset', () => {
    const before = [
      { name: 'nv_inference_request_success', labels: { model: 'fraud_v1' }, value: 1 },
      { name: 'nv_inference_compute_infer_duration_us', labels: { model: 'fraud_v1' }, value: 934.5 },
      { name: 'nv_inference_request_success', labels: { model: 'fraud_v2' }, value: 500 },
    ];
    const c = countersFromSamples(before, samples, 60);
    expect(c.triton.fraud_v1?.requests).toBe(100);
    expect(c.triton.fraud_v1?.computeUs).toBe(150_976 - 934.5);
    expect(c.triton.fraud_v2?.requests).toBe(23); // 23 < 500: Triton restarted
  });
});

describe('attribution rules', () => {
  const model = (name: string, team: string | undefined, tritonModel: string): ModelSpec =>
    ({
      name,
      ...(team ? { team } : {}),
      variants: [{ name: 'v1', tritonModel, weight: 100 }],
      fallbackModel: 'shared_fallback',
    }) as ModelSpec;
  const models = [model('fraud', 'risk', 'fraud_v1'), model('churn', undefined, 'churn_v1')];
  const counters = {
    windowSeconds: 1,
    tritonInstances: 1,
    triton: {
      // 8 requests in 2 batches of 4: Triton added each batch's 3 ms to all 4 requests.
      fraud_v1: { computeUs: 24_000, requests: 8, executions: 2 },
      churn_v1: { computeUs: 1_000, requests: 1, executions: 1 },
      shared_fallback: { computeUs: 4_000, requests: 4, executions: 4 },
      orphan: { computeUs: 2_000, requests: 1, executions: 1 },
    },
    answers: [
      { model: 'fraud', servedBy: 'fallback_model', count: 3 },
      { model: 'churn', servedBy: 'fallback_model', count: 1 },
      { model: 'fraud', servedBy: 'primary', count: 8 },
      { model: 'churn', servedBy: 'shed', count: 5 },
    ],
  };

  it('divides batched compute by the batch size and splits a shared fallback by fallback answers', () => {
    const report = attributeCost(models, cost, counters);
    const [fraud, churn] = report.models;
    expect(fraud?.gpuSeconds).toBeCloseTo(0.006 + 0.003, 12); // 24 ms × 2/8, plus 3/4 of 4 ms
    expect(churn?.gpuSeconds).toBeCloseTo(0.001 + 0.001, 12);
    expect(churn?.team).toBe('unassigned');
    expect(churn?.predictions).toBe(1); // shed answers are not predictions
    expect(report.teams.map((t) => t.team)).toEqual(['risk', 'unassigned']);
    expect(report.unattributed).toEqual([
      { tritonModel: 'orphan', gpuSeconds: 0.002, computeCost: 0.002 * PER_SECOND },
    ]);
  });

  it('refuses a window that is not positive and tells an empty one apart', () => {
    expect(() => attributeCost(models, cost, { ...counters, windowSeconds: 0 })).toThrow(EmptyWindowError);
    expect(isEmptyWindow(counters)).toBe(false);
    expect(isEmptyWindow(countersFromSamples(samples, samples, 60))).toBe(true);
  });
});

describe('memory where Triton reports the GPU (nv_gpu_memory_*)', () => {
  it("scales the spec's estimates to the measured use and uses the measured capacity", () => {
    const GiB = 1024 ** 3;
    const gauges = [
      { name: 'nv_gpu_memory_used_bytes', labels: { gpu_uuid: 'GPU-a' }, value: 3 * GiB },
      { name: 'nv_gpu_memory_total_bytes', labels: { gpu_uuid: 'GPU-a' }, value: 24 * GiB },
    ];
    const counters = countersFromSamples([], [...samples, ...gauges], 3600);
    expect(counters.gpuMemory).toEqual({ usedBytes: 3 * GiB, totalBytes: 24 * GiB });
    const report = attributeCost(stack.models, cost, counters);
    expect(report.memorySource).toBe('measured');
    // The estimates (1.5 GiB in all) are doubled to the measured 3 GiB: share 3/24 = 0.125.
    expect(report.models[0]?.memoryShare).toBeCloseTo(0.125, 12);
    expect(report.models[0]?.memoryCost).toBeCloseTo(0.125 * 1.006, 12);
    expect(attributeCost(stack.models, cost, countersFromSamples([], samples, 3600)).memorySource).toBe('spec');
  });
});
