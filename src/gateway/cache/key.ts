import { hash } from 'node:crypto';

/**
 * Cache key = model + variant + a canonical hash of the inputs. Inputs are the encoded model
 * rows (numbers in schema order, a fixed width per model), so two JSON bodies that differ only
 * in key order or number spelling (1 vs 1.0) share an entry. The hash is over the rows as
 * float32 bytes: that is what the model sees (1.0 and 1.0000000001 are one input), and it
 * skips formatting 13 numbers as text per request (about half the key's cost, bench
 * request-steps). -0 is folded into 0.
 */
export function predictionCacheKey(model: string, variant: string, rows: readonly (readonly number[])[]): string {
  let n = 0;
  for (const r of rows) n += r.length;
  const values = new Float32Array(n);
  let k = 0;
  for (const r of rows) for (const v of r) values[k++] = v + 0;
  // One-shot hash (no Hash object per request).
  const digest = hash('sha256', values, 'base64url').slice(0, 32);
  return `pred:${model}:${variant}:${digest}`;
}
