/**
 * The batch job's scoring port: one Triton request for a batch of encoded rows. Storage is the
 * project's object store (`core/storage/object-store.ts`), keys relative to the job's output location.
 */
export type Scorer = (rows: readonly (readonly number[])[], signal: AbortSignal) => Promise<number[]>;
