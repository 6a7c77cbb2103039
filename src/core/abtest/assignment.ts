/**
 * Stable assignment of users to variants by hashing, so any gateway replica, after any
 * restart, sends a user to the same variant without shared state (ARCHITECTURE.md,
 * "A/B assignment by hash needs no shared state").
 *
 * bucket = murmur3_x86_32(UTF-8 of `${experimentSalt}:${userId}`, seed 0) / 2^32, in [0, 1);
 * the variants own consecutive slices of [0, 1) in the order the weights are given,
 * each as wide as its weight over the sum of weights. MurmurHash3 is Austin Appleby's
 * public-domain hash (github.com/aappleby/smhasher, MurmurHash3.cpp); its x86_32 variant is
 * what sklearn.utils.murmurhash3_32 and Kafka's partitioner family use, so any language can
 * reproduce an assignment. Salting by experiment makes assignments of different experiments
 * independent.
 *
 * Because slices are laid out in order, moving weight from the last variant to the first
 * (a rollback to 100% control) only moves users from the last to the first: nobody in
 * control is reshuffled.
 */

const ENCODER = new TextEncoder();

/** MurmurHash3 x86_32 of `bytes`, as an unsigned 32-bit integer. */
export function murmur3x86_32(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // The 1-3 trailing bytes, little-endian (the reference's fall-through switch).
  const tail = bytes.length & 3;
  if (tail > 0) {
    let k = 0;
    for (let i = tail - 1; i >= 0; i--) k = (k << 8) | (bytes[blocks + i] as number);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The user's position in [0, 1) for this experiment. */
export function assignmentBucket(userId: string, experimentSalt: string): number {
  return murmur3x86_32(ENCODER.encode(`${experimentSalt}:${userId}`)) / 2 ** 32;
}

/**
 * The variant `userId` sees. `weights` maps variant name to weight (percent or any
 * non-negative numbers; only ratios matter), in slice order: the gateway passes the
 * model's variants in spec order, e.g. `{ v1: 80, v2: 20 }`. Deterministic across
 * processes and machines; throws a RangeError naming the bad weight.
 */
export function assignVariant(
  userId: string,
  experimentSalt: string,
  weights: Readonly<Record<string, number>>,
): string {
  const entries = Object.entries(weights);
  let total = 0;
  for (const [name, weight] of entries) {
    if (!Number.isFinite(weight) || weight < 0) {
      throw new RangeError(`weight of variant "${name}" must be a finite number >= 0, got ${weight}`);
    }
    total += weight;
  }
  if (!(total > 0)) {
    throw new RangeError(`weights must include one above 0, got ${JSON.stringify(weights)}`);
  }
  const point = assignmentBucket(userId, experimentSalt) * total;
  let upper = 0;
  let last = '';
  for (const [name, weight] of entries) {
    if (weight === 0) continue;
    upper += weight;
    last = name;
    if (point < upper) return name;
  }
  return last; // rounding at the very top of the range
}
