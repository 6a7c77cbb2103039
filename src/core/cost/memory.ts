import type { ModelSpec } from '../spec/kinds/stack.ts';
import { parseByteSize, type StackCost } from '../spec/kinds/stack-cost.ts';
import type { CostCounters } from './counters.ts';

/**
 * GPU memory per Triton model. Triton 2.51 exports GPU memory per GPU only
 * (nv_gpu_memory_used_bytes / nv_gpu_memory_total_bytes, with DCGM), never per model, so
 * the split between models always comes from the spec's estimates (`cost.modelMemory`,
 * `cost.defaultModelMemory`). Where Triton reports the GPU's memory, the estimates are
 * scaled so they add up to what the GPU really holds (CUDA contexts and allocator slack
 * included), and the capacity is the reported total.
 */
export interface ModelMemory {
  source: 'measured' | 'spec';
  /** Capacity of one GPU. */
  gpuBytes: number;
  bytesOf(tritonModel: string): number;
}

export function tritonModelsOf(models: ModelSpec[]): string[] {
  return [
    ...new Set(
      models.flatMap((m) => [...m.variants.map((v) => v.tritonModel), ...(m.fallbackModel ? [m.fallbackModel] : [])]),
    ),
  ];
}

export function modelMemory(models: ModelSpec[], cost: StackCost, counters: CostCounters): ModelMemory {
  const estimate = (name: string) => parseByteSize(cost.modelMemory[name] ?? cost.defaultModelMemory);
  const measured = counters.gpuMemory;
  if (!measured || !(measured.usedBytes > 0) || !(measured.totalBytes > 0)) {
    return { source: 'spec', gpuBytes: parseByteSize(cost.gpuMemoryPerNode), bytesOf: estimate };
  }
  const estimated = tritonModelsOf(models).reduce((s, name) => s + estimate(name), 0);
  const scale = estimated > 0 ? measured.usedBytes / estimated : 1;
  return { source: 'measured', gpuBytes: measured.totalBytes, bytesOf: (name) => estimate(name) * scale };
}
