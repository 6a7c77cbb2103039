import { resolve } from 'node:path';
import { parseStorageLocation, StorageLocationError } from '../../core/storage/location.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';
import { FileObjectStore } from './file-object-store.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/**
 * Opens a storage location as users write it (a folder, `s3://bucket/prefix`, or Triton's
 * `s3://http://host:port/bucket/prefix`). S3 settings come from the environment the way
 * the AWS tools and Triton read them: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_DEFAULT_REGION (or AWS_REGION), and AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL when the
 * location names no endpoint.
 */
export function openObjectStore(location: string, env: NodeJS.ProcessEnv = process.env): ObjectStore {
  const parsed = parseStorageLocation(location);
  if (parsed.kind === 'file') return new FileObjectStore(resolve(parsed.dir));
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new StorageLocationError(
      `${location}: no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the local versitygw: the keys it was started with)`,
    );
  }
  return new S3ObjectStore({
    endpoint: parsed.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
    bucket: parsed.bucket,
    prefix: parsed.prefix,
    region: env.AWS_DEFAULT_REGION ?? env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
  });
}
