import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { joinKey } from '../../core/storage/location.ts';
import { checkKey, type ObjectInfo, type ObjectStore, type PutOptions } from '../../core/storage/object-store.ts';

export interface S3ObjectStoreOptions {
  /** http://127.0.0.1:PORT for versitygw; undefined for AWS itself. */
  endpoint?: string;
  bucket: string;
  /** Key prefix inside the bucket ('' for the bucket root). */
  prefix?: string;
  region?: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Per-request timeout; a store that stopped answering must not hang a deploy or a batch. */
  requestTimeoutMs?: number;
}

/**
 * S3 (AWS, or versitygw locally) through the AWS SDK, path-style addressing (a custom
 * endpoint on loopback has no per-bucket host names). Errors keep the SDK's message and say
 * which bucket and key, so "the registry is down" reads as such.
 */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.description = `s3://${[options.bucket, this.prefix].filter((p) => p !== '').join('/')}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? 'us-east-1',
      forcePathStyle: true,
      credentials: options.credentials,
      maxAttempts: 1,
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 10_000, connectionTimeout: 2_000 },
    });
  }

  /** Creates the bucket when it is missing (Triton will not start on a missing bucket). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isMissingBucket(error)) throw this.wrap(error, 'check bucket');
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket })).catch((e: unknown) => {
        throw this.wrap(e, 'create bucket');
      });
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    await this.client
      .send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(key),
          Body: body,
          ContentType: options.contentType,
        }),
      )
      .catch((e: unknown) => {
        throw this.wrap(e, `put ${key}`);
      });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.wrap(error, `get ${key}`);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return { key, size: answer.ContentLength ?? 0, lastModifiedMs: answer.LastModified?.getTime() ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.wrap(error, `head ${key}`);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const full = this.prefix === '' ? prefix : `${this.prefix}/${prefix}`;
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }))
        .catch((e: unknown) => {
          throw this.wrap(e, `list ${prefix}`);
        });
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.Key.endsWith('/')) continue;
        keys.push(this.prefix === '' ? object.Key : object.Key.slice(this.prefix.length + 1));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }))
      .catch((e: unknown) => {
        throw this.wrap(e, `delete ${key}`);
      });
  }

  close(): void {
    this.client.destroy();
  }

  private keyOf(key: string): string {
    return joinKey(this.prefix, checkKey(key));
  }

  private wrap(error: unknown, what: string): ObjectStoreUnavailableError {
    const message = error instanceof Error ? error.message || error.name : String(error);
    return new ObjectStoreUnavailableError(`${this.description}: ${what} failed: ${message}`, { cause: error });
  }
}

/** The store refused or did not answer: callers retry (deploys) or stop cleanly (batch). */
export class ObjectStoreUnavailableError extends Error {
  override readonly name = 'ObjectStoreUnavailableError';
}

/** A missing key, not a missing bucket: a missing bucket is a misconfiguration and is thrown. */
function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException) || error.name === 'NoSuchBucket') return false;
  return error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound';
}

function isMissingBucket(error: unknown): boolean {
  return (
    error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchBucket')
  );
}
