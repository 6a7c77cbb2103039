/**
 * Which models can share a GPU (the playbook: "10 models per GPU" for low-traffic models).
 * Two-dimensional bin packing: each model needs a share of a GPU's time (its measured
 * GPU-busy share) and of its memory; a GPU takes models while both sums stay within the
 * headroom. First-fit decreasing by the larger of the two shares (the dimension that binds).
 * Pure; a model that alone exceeds a GPU keeps GPUs of its own and is reported as such.
 */

export interface PackItem {
  name: string;
  /** Share of one GPU's time the model keeps busy (GPU-busy seconds / window seconds). */
  load: number;
  memoryBytes: number;
}

export interface PackCapacity {
  /** Share of a GPU's time a packed GPU may use, e.g. 0.8. */
  load: number;
  memoryBytes: number;
}

export interface PackedGpu {
  models: string[];
  load: number;
  memoryBytes: number;
}

export interface Packing {
  gpus: PackedGpu[];
  /** Models that alone exceed a GPU's capacity: dedicated GPUs, ceil(load / capacity) each. */
  dedicated: { name: string; gpus: number }[];
  /** One model per GPU (today's layout): a GPU per model, more for those over capacity. */
  gpusBefore: number;
  gpusAfter: number;
}

export function packModels(items: PackItem[], capacity: PackCapacity): Packing {
  if (!(capacity.load > 0) || !(capacity.memoryBytes > 0)) {
    throw new RangeError(`capacity must be positive, got load ${capacity.load}, memory ${capacity.memoryBytes}`);
  }
  for (const i of items) {
    if (!(i.load >= 0) || !(i.memoryBytes >= 0)) {
      throw new RangeError(`${i.name}: load and memory must be numbers >= 0, got ${i.load}, ${i.memoryBytes}`);
    }
  }
  const size = (i: PackItem) => Math.max(i.load / capacity.load, i.memoryBytes / capacity.memoryBytes);
  const fitsAlone = (i: PackItem) => i.load <= capacity.load && i.memoryBytes <= capacity.memoryBytes;
  const dedicated = items
    .filter((i) => !fitsAlone(i))
    .map((i) => ({ name: i.name, gpus: Math.max(1, Math.ceil(size(i))) }));
  const sorted = items.filter(fitsAlone).sort((a, b) => size(b) - size(a) || a.name.localeCompare(b.name));
  const gpus: PackedGpu[] = [];
  for (const item of sorted) {
    const gpu = gpus.find(
      (g) => g.load + item.load <= capacity.load && g.memoryBytes + item.memoryBytes <= capacity.memoryBytes,
    );
    if (gpu) {
      gpu.models.push(item.name);
      gpu.load += item.load;
      gpu.memoryBytes += item.memoryBytes;
    } else {
      gpus.push({ models: [item.name], load: item.load, memoryBytes: item.memoryBytes });
    }
  }
  const dedicatedGpus = dedicated.reduce((s, d) => s + d.gpus, 0);
  return {
    gpus,
    dedicated,
    gpusBefore: sorted.length + dedicatedGpus,
    gpusAfter: gpus.length + dedicatedGpus,
  };
}

/** Hours in an average month (365.25 × 24 / 12), for a monthly saving. */
export const HOURS_PER_MONTH = 730.5;

/** Saving of a packing per month, at `gpuHourlyPrice`, for each set of `replicas` GPUs. */
export function monthlySaving(packing: Packing, gpuHourlyPrice: number, replicas = 1): number {
  return (packing.gpusBefore - packing.gpusAfter) * gpuHourlyPrice * HOURS_PER_MONTH * replicas;
}
