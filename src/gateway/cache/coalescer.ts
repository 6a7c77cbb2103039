/**
 * Request coalescing ("single flight"): while a computation for a key is in flight, later
 * callers for the same key wait for it instead of starting their own. N identical
 * concurrent requests on a cold key cause one upstream call: the cache-stampede defence
 * for the moment a hot key expires or first appears.
 */
export class Coalescer<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  get size(): number {
    return this.inflight.size;
  }

  /** Returns the shared result and whether this caller led (ran `compute`) or joined. */
  async run(key: string, compute: () => Promise<T>): Promise<{ value: T; leader: boolean }> {
    const existing = this.inflight.get(key);
    if (existing) return { value: await existing, leader: false };
    const promise = compute().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return { value: await promise, leader: true };
  }
}
