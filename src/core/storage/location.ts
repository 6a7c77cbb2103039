/**
 * Where an object store lives, as users write it: a local folder, `s3://bucket/prefix`
 * (endpoint from the environment, as the AWS tools do), or Triton's own spelling for a
 * non-AWS endpoint, `s3://http://127.0.0.1:9000/bucket/prefix` (also without the scheme:
 * `s3://127.0.0.1:9000/bucket/prefix`). Parsing is pure; opening is
 * `adapters/storage/open-object-store.ts`.
 */
export type StorageLocation =
  | { kind: 'file'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string };

export class StorageLocationError extends Error {
  override readonly name = 'StorageLocationError';
}

// S3 bucket names: 3-63 of lower-case letters, digits, dots and hyphens, starting and ending alphanumeric.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseStorageLocation(text: string): StorageLocation {
  if (text.trim() === '')
    throw new StorageLocationError('storage location is empty: give a folder or s3://bucket/prefix');
  if (!text.startsWith('s3://')) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
      throw new StorageLocationError(
        `storage location ${JSON.stringify(text)}: only local folders and s3:// are supported (e.g. s3://models/fraud)`,
      );
    }
    return { kind: 'file', dir: text };
  }
  let rest = text.slice('s3://'.length);
  let endpoint: string | undefined;
  const scheme = /^(https?):\/\//.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length);
    const [host = '', ...path] = rest.split('/');
    endpoint = `${scheme[1]}://${host}`;
    rest = path.join('/');
  } else if (/^[^/]+:\d+(\/|$)/.test(rest)) {
    // host:port first: Triton's scheme-less form of a custom endpoint.
    const [host = '', ...path] = rest.split('/');
    endpoint = `http://${host}`;
    rest = path.join('/');
  }
  const [bucket = '', ...prefixParts] = rest.split('/');
  if (!BUCKET.test(bucket)) {
    throw new StorageLocationError(
      `storage location ${JSON.stringify(text)}: ${bucket === '' ? 'no bucket' : `bucket ${JSON.stringify(bucket)} is not a valid S3 bucket name`} (3-63 lower-case letters, digits, "." or "-"; e.g. s3://models/fraud)`,
    );
  }
  const prefix = prefixParts.filter((p) => p !== '').join('/');
  return endpoint === undefined ? { kind: 's3', bucket, prefix } : { kind: 's3', bucket, prefix, endpoint };
}

/** Triton's --model-repository for a location on a custom endpoint: `s3://http://host:port/bucket/prefix`. */
export function tritonRepositoryUrl(location: Extract<StorageLocation, { kind: 's3' }>, endpoint: string): string {
  const path = [location.bucket, location.prefix].filter((p) => p !== '').join('/');
  return `s3://${endpoint.replace(/\/$/, '')}/${path}`;
}

/** Joins a store prefix and a key ('' prefix: the key itself). */
export function joinKey(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix.replace(/\/$/, '')}/${key}`;
}
