import { z } from 'zod';

/**
 * `Stack.spec.cost`: what a GPU costs, for `steadystate cost report` and the packing advice.
 * Prices are per GPU-hour of the node type the cluster runs Triton on (e.g. an AWS g5.xlarge
 * carries one A10G with 24 GiB). Triton 2.51 exports no per-model memory, so each Triton
 * model's resident GPU memory is an estimate kept here (measure it once with
 * `nvidia-smi` after loading the model alone), with a default for models not listed.
 */

/** Byte sizes as Kubernetes writes them: "512Mi", "24Gi", or plain bytes. */
export const byteSize = z
  .string({ error: 'must be a byte size like "512Mi", "24Gi" or "1000000" (bytes), as a string' })
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'must be a byte size like "512Mi", "24Gi" or "1000000" (bytes)');

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

export function parseByteSize(text: string): number {
  const bytes = byteSizeOrUndefined(text);
  if (bytes === undefined) throw new RangeError(`"${text}" is not a byte size like 512Mi or 24Gi`);
  return bytes;
}

function byteSizeOrUndefined(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  return match ? Number(match[1]) * (BYTE_UNITS[match[2] ?? ''] as number) : undefined;
}

export const stackCost = z
  .strictObject({
    /** The cloud node type the price refers to, e.g. "g5.xlarge"; reported with every figure. */
    nodeType: z.string({ error: 'cost.nodeType is required, e.g. "g5.xlarge"' }).min(1),
    /** Price of one GPU for one hour, in `currency` (on-demand or your committed rate). */
    gpuHourlyPrice: z
      .number({ error: 'cost.gpuHourlyPrice must be a number, the price of one GPU-hour, e.g. 1.006' })
      .positive('cost.gpuHourlyPrice must be above 0'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD" or "EUR"')
      .default('USD'),
    gpusPerNode: z.number().int().min(1).default(1),
    /** Memory of one GPU on that node type (the packing capacity), e.g. "24Gi" for an A10G. */
    gpuMemoryPerNode: byteSize,
    /** Resident GPU memory per Triton model (weights, workspace, CUDA context share). */
    modelMemory: z.record(z.string().min(1), byteSize).default({}),
    /** For Triton models not in `modelMemory`. */
    defaultModelMemory: byteSize.default('1Gi'),
    /**
     * Packing headroom: the share of a GPU's time and memory a packed GPU may use (the
     * rest absorbs bursts), so ten models at 8% load each still leave 20% spare.
     */
    packingHeadroom: z.number().gt(0).max(1).default(0.8),
  })
  .superRefine((c, ctx) => {
    // Zod still runs this refinement when a field failed; a malformed size is reported there.
    const capacity = byteSizeOrUndefined(c.gpuMemoryPerNode);
    if (capacity === undefined) return;
    for (const [model, size] of Object.entries(c.modelMemory)) {
      if ((byteSizeOrUndefined(size) ?? 0) > capacity) {
        ctx.addIssue({
          code: 'custom',
          path: ['modelMemory', model],
          message: `${size} is more than a GPU holds (gpuMemoryPerNode ${c.gpuMemoryPerNode}); the model cannot be served on ${c.nodeType}`,
        });
      }
    }
  });

export type StackCost = z.infer<typeof stackCost>;
