import type { BatchingVariant } from './triton-config.ts';

/**
 * The model configurations the batching profile compares on CPU, by key (`<model>_<key>` in
 * the temporary repository); `on` is the model as shipped (the local CPU configuration:
 * 2 instances, 1 ms, no preferred sizes). 'off' = the shipped config without dynamic_batching.
 */
export const CPU_VARIANTS: Record<string, 'off' | BatchingVariant> = {
  off: 'off',
  /** The playbook's batching (= serving/model_repository_gpu): 1 instance, 10 ms, preferred 8/16/32. */
  playbook: { instances: 1, maxQueueDelayUs: 10_000, preferredBatchSizes: [8, 16, 32] },
  playbook_off: { dynamicBatching: false, instances: 1 },
  /** Candidates measured while choosing the local configuration. */
  i2: { instances: 2, maxQueueDelayUs: 10_000, preferredBatchSizes: [8, 16, 32] },
  i1d1: { instances: 1, maxQueueDelayUs: 1000 },
  i2d0: { instances: 2, maxQueueDelayUs: 0 },
};
