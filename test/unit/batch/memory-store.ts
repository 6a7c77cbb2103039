import type { BatchStore } from '../../../src/services/batch/ports.ts';

/** An in-memory store that can be told to fail its Nth put (a process killed mid-write). */
export class MemoryStore implements BatchStore {
  readonly objects = new Map<string, Uint8Array>();
  puts = 0;
  failAtPut: number | undefined;

  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.puts++;
    if (this.failAtPut !== undefined && this.puts >= this.failAtPut)
      throw new Error(`killed at put ${this.puts} (${key})`);
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
