import type { ModelSpec } from '../spec/kinds/stack.ts';
import type { StackCost } from '../spec/kinds/stack-cost.ts';
import { type CostCounters, gpuSeconds } from './counters.ts';
import { modelMemory, tritonModelsOf } from './memory.ts';
import { monthlySaving, type PackItem, type Packing, packModels } from './packing.ts';

export interface PackingAdvice {
  items: PackItem[];
  packing: Packing;
  /** Per month, for all Triton replicas. */
  monthlySaving: number;
  currency: string;
}

/**
 * Packing advice for the Triton models of the spec (variants and fallback models), from
 * their measured GPU-busy share per Triton replica over the window and their memory.
 */
export function recommendPacking(models: ModelSpec[], cost: StackCost, counters: CostCounters): PackingAdvice {
  const names = tritonModelsOf(models);
  const memory = modelMemory(models, cost, counters);
  const perReplicaSeconds = counters.windowSeconds * Math.max(1, counters.tritonInstances);
  const items = names.map((name) => {
    const c = counters.triton[name];
    return {
      name,
      load: c ? gpuSeconds(c) / perReplicaSeconds : 0,
      memoryBytes: memory.bytesOf(name),
    };
  });
  const packing = packModels(items, {
    load: cost.packingHeadroom,
    memoryBytes: memory.gpuBytes * cost.packingHeadroom,
  });
  return {
    items,
    packing,
    monthlySaving: monthlySaving(packing, cost.gpuHourlyPrice, Math.max(1, counters.tritonInstances)),
    currency: cost.currency,
  };
}
