import { hash } from 'node:crypto';

/**
 * Inputs up to this many values (two rows of the fraud models) are keyed by their bytes
 * themselves: exact, and about four times cheaper than SHA-256 (bench request-steps). Beyond
 * it a key would grow with the batch, so larger inputs are keyed by a hash.
 */
export const RAW_KEY_MAX_VALUES = 32;

/** One scratch buffer, reused: the key is built synchronously, so no two calls share it. */
let scratch = new Float32Array(RAW_KEY_MAX_VALUES);

/**
 * Cache key = model + variant + the inputs. Inputs are the encoded model rows (numbers in
 * schema order, a fixed width per model), so two JSON bodies that differ only in key order or
 * number spelling (1 vs 1.0) share an entry. The key is over the rows as float32 bytes: that
 * is what the model sees (1.0 and 1.0000000001 are one input), and it skips formatting the
 * numbers as text per request. -0 is folded into 0.
 *
 * A one-row request (the `/v1/predict` path) is keyed by those bytes in base64url ("r" keys):
 * no hash to compute and no collision possible. Larger batches are keyed by a truncated
 * SHA-256 of the bytes ("h" keys, 192 bits); the prefixes keep the two kinds apart.
 */
export function predictionCacheKey(model: string, variant: string, rows: readonly (readonly number[])[]): string {
  let n = 0;
  for (const r of rows) n += r.length;
  if (scratch.length < n) scratch = new Float32Array(Math.max(n, scratch.length * 2));
  let k = 0;
  for (const r of rows) for (const v of r) scratch[k++] = v + 0;
  const bytes = Buffer.from(scratch.buffer, 0, n * 4);
  const digest =
    n <= RAW_KEY_MAX_VALUES
      ? `r${bytes.toString('base64url')}`
      : // One-shot hash (no Hash object per request).
        `h${hash('sha256', bytes, 'base64url').slice(0, 32)}`;
  return `pred:${model}:${variant}:${digest}`;
}
