import { createHash } from 'node:crypto';

/**
 * Stable variant assignment: the same user id always lands in the same bucket, in every
 * replica and after restarts, because it depends only on (salt, user id). Buckets are
 * 0..9999 (0.01% resolution) from the first 32 bits of SHA-256, then mapped onto the
 * cumulative weights in the listed order of variants.
 */
export function bucketOf(userId: string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}:${userId}`).digest();
  return digest.readUInt32BE(0) % 10_000;
}

export function assignVariant(
  userId: string,
  salt: string,
  weights: readonly { name: string; weight: number }[],
): string {
  const bucket = bucketOf(userId, salt);
  const total = weights.reduce((s, w) => s + w.weight, 0);
  let cumulative = 0;
  for (const w of weights) {
    cumulative += (w.weight / total) * 10_000;
    if (bucket < cumulative) return w.name;
  }
  // Rounding at the top end, or all weights zero: the last variant with weight, else the first.
  return [...weights].reverse().find((w) => w.weight > 0)?.name ?? (weights[0]?.name as string);
}
