import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../../src/adapters/storage/file-object-store.ts';
import { openObjectStore } from '../../../../src/adapters/storage/open-object-store.ts';
import { S3ObjectStore } from '../../../../src/adapters/storage/s3-object-store.ts';
import { parseStorageLocation, tritonRepositoryUrl } from '../../../../src/core/storage/location.ts';
import { InMemoryObjectStore } from '../../../../src/core/storage/object-store.ts';
import { objectStoreContract } from '../../../fixtures/object-store-contract.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-store-test-'));
  dirs.push(dir);
  return dir;
};

objectStoreContract('InMemoryObjectStore', () => new InMemoryObjectStore());
objectStoreContract('FileObjectStore', () => new FileObjectStore(tempDir()));

describe('FileObjectStore', () => {
  it('leaves no temporary file behind after a put', async () => {
    const dir = tempDir();
    const store = new FileObjectStore(dir);
    await store.put('a/b.json', '{}');
    expect(readdirSync(join(dir, 'a'))).toEqual(['b.json']);
  });
});

describe('parseStorageLocation', () => {
  it('reads a folder, s3://bucket/prefix and both of Triton forms of a custom endpoint', () => {
    expect(parseStorageLocation('out/run-1')).toEqual({ kind: 'file', dir: 'out/run-1' });
    expect(parseStorageLocation('s3://models/fraud/v3')).toEqual({ kind: 's3', bucket: 'models', prefix: 'fraud/v3' });
    expect(parseStorageLocation('s3://models')).toEqual({ kind: 's3', bucket: 'models', prefix: '' });
    expect(parseStorageLocation('s3://http://127.0.0.1:9000/models/repo/')).toEqual({
      kind: 's3',
      bucket: 'models',
      prefix: 'repo',
      endpoint: 'http://127.0.0.1:9000',
    });
    expect(parseStorageLocation('s3://127.0.0.1:9000/models/repo')).toEqual({
      kind: 's3',
      bucket: 'models',
      prefix: 'repo',
      endpoint: 'http://127.0.0.1:9000',
    });
  });

  it('names the bad bucket, the missing one, and unsupported schemes', () => {
    expect(() => parseStorageLocation('s3://Models/x')).toThrow(/bucket "Models" is not a valid S3 bucket name/);
    expect(() => parseStorageLocation('s3://')).toThrow(/no bucket/);
    expect(() => parseStorageLocation('gs://bucket/x')).toThrow(/only local folders and s3:\/\//);
    expect(() => parseStorageLocation('  ')).toThrow(/empty/);
  });

  it("writes Triton's repository URL for a custom endpoint", () => {
    const location = parseStorageLocation('s3://models/repo');
    if (location.kind !== 's3') throw new Error('expected s3');
    expect(tritonRepositoryUrl(location, 'http://127.0.0.1:9000/')).toBe('s3://http://127.0.0.1:9000/models/repo');
  });
});

describe('openObjectStore', () => {
  it('opens a folder as a FileObjectStore and s3:// as an S3ObjectStore', () => {
    expect(openObjectStore(tempDir())).toBeInstanceOf(FileObjectStore);
    const s3 = openObjectStore('s3://http://127.0.0.1:9/models/repo', {
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
    });
    expect(s3).toBeInstanceOf(S3ObjectStore);
    expect(s3.description).toBe('s3://models/repo at http://127.0.0.1:9');
  });

  it('refuses s3:// without credentials, naming the variables to set', () => {
    expect(() => openObjectStore('s3://models/repo', {})).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});

describe('versitygw version', () => {
  it('the set-up builds the version the launcher runs', async () => {
    const { readFileSync } = await import('node:fs');
    const { VERSITYGW_VERSION } = await import('../../../../src/adapters/process/object-store-server.ts');
    const setup = readFileSync(join(import.meta.dirname, '../../../../scripts/setup.sh'), 'utf8');
    expect(setup).toContain(`VERSITYGW_VERSION=${VERSITYGW_VERSION}\n`);
  });
});
