import { type Random, seededRandom } from './seeded-random.ts';

/**
 * Bounded uniform sample of a stream (Vitter 1985, "Random sampling with a reservoir",
 * Algorithm R): after t items every item is in the reservoir with probability k / t.
 * Seeded, so the same stream and seed give the same sample.
 */
export class Reservoir {
  readonly capacity: number;
  readonly values: Float64Array;
  #seen = 0;
  #random: Random;

  constructor(capacity: number, seed: number) {
    this.capacity = capacity;
    this.values = new Float64Array(capacity);
    this.#random = seededRandom(seed);
  }

  get seen(): number {
    return this.#seen;
  }

  add(value: number): void {
    const t = this.#seen++;
    if (t < this.capacity) {
      this.values[t] = value;
      return;
    }
    const j = Math.floor(this.#random.next() * (t + 1));
    if (j < this.capacity) this.values[j] = value;
  }

  /** The sampled values (a copy, in reservoir order). */
  sample(): Float64Array {
    return this.values.slice(0, Math.min(this.#seen, this.capacity));
  }
}

export function reservoirSample(values: ArrayLike<number>, capacity: number, seed: number): Float64Array {
  const reservoir = new Reservoir(capacity, seed);
  for (let i = 0; i < values.length; i++) reservoir.add(values[i] as number);
  return reservoir.sample();
}
