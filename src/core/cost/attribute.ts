import type { ModelSpec } from '../spec/kinds/stack.ts';
import type { StackCost } from '../spec/kinds/stack-cost.ts';
import { type CostCounters, gpuSeconds } from './counters.ts';
import { modelMemory } from './memory.ts';

/**
 * Cost per logical model and team over a window (pure). Two figures per model:
 * - compute: GPU-busy seconds of its Triton models (variants, and its share of the fallback
 *   model) times the price of a GPU-second;
 * - memory: the share of a GPU its Triton models hold (spec estimates), for the whole
 *   window, on every Triton replica: what it costs to keep the model loaded while idle.
 * A model is charged the larger of the two: it uses at least the GPU time it computed and
 * holds at least its memory share, and the two overlap (the memory is held while computing).
 *
 * Answers are counted as what they cost: a cache (or stale cache) hit or a default answer
 * uses no GPU; a fallback answer costs the fallback model's GPU time; a primary answer the
 * variants'. Shadow calls and warm-ups run on the variants too and are part of their cost.
 */

/** Answers that carry a prediction (shed and error answers are not predictions). */
export const PREDICTION_TIERS = ['primary', 'cache', 'stale_cache', 'fallback_model', 'default'] as const;
const GPU_FREE_TIERS = new Set(['cache', 'stale_cache', 'default']);

export interface TierCost {
  servedBy: string;
  answers: number;
  /** Compute cost of the answers of this tier. */
  cost: number;
  /** NaN without answers. */
  costPer1000: number;
}

export interface TritonModelUse {
  tritonModel: string;
  role: 'variant' | 'fallback';
  /** This logical model's share of the Triton model's GPU seconds and memory. */
  share: number;
  gpuSeconds: number;
  memoryBytes: number;
}

export interface ModelCost {
  model: string;
  team: string;
  predictions: number;
  gpuSeconds: number;
  computeCost: number;
  memoryBytes: number;
  /** memoryBytes / one GPU's memory. */
  memoryShare: number;
  memoryCost: number;
  cost: number;
  /** NaN without predictions. */
  costPer1000: number;
  tiers: TierCost[];
  tritonModels: TritonModelUse[];
}

export interface TeamCost {
  team: string;
  models: string[];
  predictions: number;
  cost: number;
  costPer1000: number;
}

export interface CostReport {
  windowSeconds: number;
  nodeType: string;
  currency: string;
  gpuHourlyPrice: number;
  tritonInstances: number;
  /** Where the memory figures come from: Triton's GPU gauges (split by the spec) or the spec alone. */
  memorySource: 'measured' | 'spec';
  models: ModelCost[];
  teams: TeamCost[];
  /** Triton models with GPU time that no logical model in the spec uses. */
  unattributed: { tritonModel: string; gpuSeconds: number; computeCost: number }[];
  total: number;
}

export const UNASSIGNED_TEAM = 'unassigned';

export class EmptyWindowError extends Error {
  override readonly name = 'EmptyWindowError';
}

export function attributeCost(models: ModelSpec[], cost: StackCost, counters: CostCounters): CostReport {
  if (!(counters.windowSeconds > 0)) {
    throw new EmptyWindowError(`the window is ${counters.windowSeconds} s long; give --from before --to`);
  }
  const perGpuSecond = cost.gpuHourlyPrice / 3600;
  const memory = modelMemory(models, cost, counters);
  const gpuMemory = memory.gpuBytes;
  const memoryOf = memory.bytesOf;
  const answersOf = (model: string, servedBy: string) =>
    counters.answers.filter((a) => a.model === model && a.servedBy === servedBy).reduce((s, a) => s + a.count, 0);
  const gpuOf = (tritonModel: string) => {
    const c = counters.triton[tritonModel];
    return c ? gpuSeconds(c) : 0;
  };

  // A fallback model shared by several logical models is split by their fallback answers
  // (evenly when none fell back), so each pays for the fallbacks it caused.
  const fallbackUsers = new Map<string, string[]>();
  for (const m of models) {
    if (m.fallbackModel) fallbackUsers.set(m.fallbackModel, [...(fallbackUsers.get(m.fallbackModel) ?? []), m.name]);
  }
  const fallbackShare = (m: ModelSpec): number => {
    const users = fallbackUsers.get(m.fallbackModel ?? '') ?? [];
    const total = users.reduce((s, u) => s + answersOf(u, 'fallback_model'), 0);
    return total > 0 ? answersOf(m.name, 'fallback_model') / total : 1 / Math.max(1, users.length);
  };

  const used = new Set<string>();
  const modelCosts = models.map((m): ModelCost => {
    const uses: TritonModelUse[] = m.variants.map((v) => ({
      tritonModel: v.tritonModel,
      role: 'variant',
      share: 1,
      gpuSeconds: gpuOf(v.tritonModel),
      memoryBytes: memoryOf(v.tritonModel),
    }));
    if (m.fallbackModel) {
      const share = fallbackShare(m);
      uses.push({
        tritonModel: m.fallbackModel,
        role: 'fallback',
        share,
        gpuSeconds: gpuOf(m.fallbackModel) * share,
        memoryBytes: memoryOf(m.fallbackModel) * share,
      });
    }
    for (const u of uses) used.add(u.tritonModel);
    const gpu = (role: TritonModelUse['role']) =>
      uses.filter((u) => u.role === role).reduce((s, u) => s + u.gpuSeconds, 0);
    const totalGpu = gpu('variant') + gpu('fallback');
    const memoryBytes = uses.reduce((s, u) => s + u.memoryBytes, 0);
    const memoryShare = memoryBytes / gpuMemory;
    const computeCost = totalGpu * perGpuSecond;
    const memoryCost = memoryShare * counters.windowSeconds * counters.tritonInstances * perGpuSecond;
    const charged = Math.max(computeCost, memoryCost);
    const tiers = PREDICTION_TIERS.map((servedBy): TierCost => {
      const answers = answersOf(m.name, servedBy);
      const tierGpu = GPU_FREE_TIERS.has(servedBy) ? 0 : servedBy === 'primary' ? gpu('variant') : gpu('fallback');
      const tierCost = tierGpu * perGpuSecond;
      return { servedBy, answers, cost: tierCost, costPer1000: answers > 0 ? (tierCost / answers) * 1000 : Number.NaN };
    });
    const predictions = tiers.reduce((s, t) => s + t.answers, 0);
    return {
      model: m.name,
      team: m.team ?? UNASSIGNED_TEAM,
      predictions,
      gpuSeconds: totalGpu,
      computeCost,
      memoryBytes,
      memoryShare,
      memoryCost,
      cost: charged,
      costPer1000: predictions > 0 ? (charged / predictions) * 1000 : Number.NaN,
      tiers,
      tritonModels: uses,
    };
  });

  const teams = [...new Set(modelCosts.map((m) => m.team))].sort().map((team): TeamCost => {
    const mine = modelCosts.filter((m) => m.team === team);
    const predictions = mine.reduce((s, m) => s + m.predictions, 0);
    const teamCost = mine.reduce((s, m) => s + m.cost, 0);
    return {
      team,
      models: mine.map((m) => m.model),
      predictions,
      cost: teamCost,
      costPer1000: predictions > 0 ? (teamCost / predictions) * 1000 : Number.NaN,
    };
  });
  const unattributed = Object.keys(counters.triton)
    .filter((t) => !used.has(t) && gpuOf(t) > 0)
    .sort()
    .map((tritonModel) => ({
      tritonModel,
      gpuSeconds: gpuOf(tritonModel),
      computeCost: gpuOf(tritonModel) * perGpuSecond,
    }));
  return {
    windowSeconds: counters.windowSeconds,
    nodeType: cost.nodeType,
    currency: cost.currency,
    gpuHourlyPrice: cost.gpuHourlyPrice,
    tritonInstances: counters.tritonInstances,
    memorySource: memory.source,
    models: modelCosts,
    teams,
    unattributed,
    total: modelCosts.reduce((s, m) => s + m.cost, 0) + unattributed.reduce((s, u) => s + u.computeCost, 0),
  };
}
