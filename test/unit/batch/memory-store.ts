import { InMemoryObjectStore } from '../../../src/core/storage/object-store.ts';

/** The in-memory object store, told to fail its Nth put (a process killed mid-write). */
export class MemoryStore extends InMemoryObjectStore {
  puts = 0;
  failAtPut: number | undefined;

  constructor() {
    super('mem://out');
  }

  override async put(key: string, body: Uint8Array | string): Promise<void> {
    this.puts++;
    if (this.failAtPut !== undefined && this.puts >= this.failAtPut)
      throw new Error(`killed at put ${this.puts} (${key})`);
    await super.put(key, body);
  }

  /** Overwrites an object behind the job's back (corruption in tests). */
  async tamper(key: string, text: string): Promise<void> {
    await super.put(key, text);
  }

  async snapshot(): Promise<Map<string, string>> {
    const all = new Map<string, string>();
    for (const key of await this.list('')) all.set(key, new TextDecoder().decode(await this.get(key)));
    return all;
  }
}
