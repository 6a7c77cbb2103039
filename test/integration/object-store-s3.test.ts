import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ObjectStoreServer, startObjectStore } from '../../src/adapters/process/object-store-server.ts';
import { openObjectStore } from '../../src/adapters/storage/open-object-store.ts';
import { ObjectStoreUnavailableError, S3ObjectStore } from '../../src/adapters/storage/s3-object-store.ts';
import { objectStoreContract } from '../fixtures/object-store-contract.ts';

// Real S3 wire protocol: versitygw serving a folder, spoken to by the AWS SDK.
let server: ObjectStoreServer;
const dataDir = mkdtempSync(join(tmpdir(), 'steadystate-s3-it-'));
let bucketSeq = 0;

beforeAll(async () => {
  server = await startObjectStore({ dataDir });
}, 30_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const store = (bucket: string, prefix = '') =>
  new S3ObjectStore({
    endpoint: server.endpoint,
    bucket,
    prefix,
    region: server.region,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
    requestTimeoutMs: 2_000,
  });

objectStoreContract('S3ObjectStore on versitygw', async () => {
  const s = store(`contract-${++bucketSeq}`, 'some/prefix');
  await s.ensureBucket();
  return s;
});

describe('versitygw as the local S3', () => {
  it('a bucket is a folder; objects are files under it (what Triton and a restart see)', async () => {
    const s = store('models');
    await s.ensureBucket();
    await s.ensureBucket(); // idempotent
    await s.put('repo/fraud_v1/config.pbtxt', 'name: "fraud_v1"');
    expect(await s.list('repo/')).toEqual(['repo/fraud_v1/config.pbtxt']);
    const opened = openObjectStore(`s3://${server.endpoint}/models/repo`, server.clientEnv);
    expect(await opened.list('')).toEqual(['fraud_v1/config.pbtxt']);
  });

  it('keeps its data across a restart on the same folder and port', async () => {
    const s = store('restart');
    await s.ensureBucket();
    await s.put('ckpt.json', '{"rows": 42}');
    const { port, accessKey, secretKey } = server;
    await server.stop();
    server = await startObjectStore({ dataDir, port, accessKey, secretKey });
    expect(new TextDecoder().decode(await store('restart').get('ckpt.json'))).toBe('{"rows": 42}');
  }, 30_000);

  it('a stopped store is an ObjectStoreUnavailableError naming the store, within the timeout', async () => {
    const { port, accessKey, secretKey } = server;
    await server.stop();
    const started = Date.now();
    try {
      const error = await store('restart')
        .get('ckpt.json')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectStoreUnavailableError);
      expect((error as Error).message).toMatch(/s3:\/\/restart at http:\/\/127\.0\.0\.1:\d+: get ckpt\.json failed/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      server = await startObjectStore({ dataDir, port, accessKey, secretKey });
    }
  }, 30_000);

  it('wrong credentials are refused, not read as a missing object', async () => {
    const wrong = new S3ObjectStore({
      endpoint: server.endpoint,
      bucket: 'restart',
      credentials: { accessKeyId: server.accessKey, secretAccessKey: 'not-the-secret' },
    });
    await expect(wrong.get('ckpt.json')).rejects.toBeInstanceOf(ObjectStoreUnavailableError);
  });

  it('a missing bucket is an error, not an empty read', async () => {
    await expect(store('no-such-bucket').get('x')).rejects.toThrow(/no-such-bucket/);
  });
});
