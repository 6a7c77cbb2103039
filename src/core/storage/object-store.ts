/**
 * The object store port: what the model store (deploys publish Triton repositories to it)
 * and batch scoring (datasets, outputs, checkpoints) need from S3, and nothing more. A put
 * replaces an object whole, so a reader sees the old bytes or the new ones, never a mix:
 * that is the atomicity checkpoints rely on. Implementations: `InMemoryObjectStore` (below,
 * for tests), `adapters/storage/file-object-store.ts` (a local folder),
 * `adapters/storage/s3-object-store.ts` (S3 / versitygw).
 */
export interface ObjectStore {
  /** Where this store points, for messages: `s3://bucket/prefix` or a folder path. */
  readonly description: string;
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Keys under a prefix ('' for all), sorted, relative to the store's own prefix. */
  list(prefix: string): Promise<string[]>;
  /** Removing a key that does not exist is not an error (as in S3). */
  delete(key: string): Promise<void>;
}

export interface PutOptions {
  contentType?: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModifiedMs: number;
}

/** Keys are relative, '/'-separated, with no empty, '.' or '..' segment: a key can never escape its store. */
export function checkKey(key: string): string {
  if (key.length === 0) throw new InvalidObjectKeyError(key, 'it is empty');
  if (key.startsWith('/')) throw new InvalidObjectKeyError(key, 'it starts with "/" (keys are relative to the store)');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidObjectKeyError(key, `it has a "${segment}" path segment (use plain names joined by single "/")`);
    }
  }
  return key;
}

export class InvalidObjectKeyError extends Error {
  override readonly name = 'InvalidObjectKeyError';
  readonly key: string;
  constructor(key: string, why: string) {
    super(`object key ${JSON.stringify(key)} is not valid: ${why}`);
    this.key = key;
  }
}

/** In-memory store with the same semantics as the real ones: the fake tests use. */
export class InMemoryObjectStore implements ObjectStore {
  readonly description: string;
  private readonly objects = new Map<string, { body: Uint8Array; lastModifiedMs: number }>();
  private readonly now: () => number;

  constructor(description = 'memory://', now: () => number = Date.now) {
    this.description = description;
    this.now = now;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : Uint8Array.from(body);
    this.objects.set(checkKey(key), { body: bytes, lastModifiedMs: this.now() });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const found = this.objects.get(checkKey(key));
    return found ? Uint8Array.from(found.body) : undefined;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const found = this.objects.get(checkKey(key));
    return found ? { key, size: found.body.byteLength, lastModifiedMs: found.lastModifiedMs } : undefined;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(checkKey(key));
  }
}
