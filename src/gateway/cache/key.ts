import { createHash } from 'node:crypto';

/**
 * Cache key = model + variant + a canonical hash of the inputs. Inputs are the encoded
 * model rows (numbers in schema order), so two JSON bodies that differ only in key order
 * or number spelling (1 vs 1.0) share an entry. Float32 rounding is applied because that is
 * what the model sees.
 */
export function predictionCacheKey(model: string, variant: string, rows: readonly (readonly number[])[]): string {
  const canonical = rows.map((r) => r.map((v) => Math.fround(v)).join(',')).join(';');
  const digest = createHash('sha256').update(canonical).digest('base64url').slice(0, 32);
  return `pred:${model}:${variant}:${digest}`;
}
