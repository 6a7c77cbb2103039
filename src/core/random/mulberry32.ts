/**
 * mulberry32 (Tommy Ettinger): a tiny seeded PRNG, 32-bit state, period 2^32 per seed. The
 * chaos traffic and pod selection, the gateway's fault sampler and the A/B simulations draw
 * from it, and so does the load (core/load/random.ts, which k6 imports too: no imports
 * here), so a seed repeats a run.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
