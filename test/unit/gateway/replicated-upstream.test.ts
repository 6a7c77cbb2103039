import { afterEach, describe, expect, it } from 'vitest';
import type { TritonClient } from '../../../src/adapters/triton/client.ts';
import { ReplicatedUpstream } from '../../../src/gateway/upstream/replicated-upstream.ts';
import { TritonReplicas } from '../../../src/gateway/upstream/triton-replicas.ts';
import { type Upstream, UpstreamError } from '../../../src/gateway/upstream/upstream.ts';

/** Per-replica behaviour by URL: a score, or the error that replica fails with. */
const behaviour = new Map<string, number | UpstreamError>();
const calls: string[] = [];
const replicaUpstream = (client: TritonClient): Upstream => ({
  model: 'fraud',
  variant: 'v1',
  tritonModel: 'fraud_v1',
  async infer(rows) {
    calls.push(client.url);
    const b = behaviour.get(client.url);
    if (b instanceof UpstreamError) throw b;
    return rows.map(() => b ?? 0);
  },
});

let replicas: TritonReplicas;
const upstream = () => {
  replicas = new TritonReplicas();
  return new ReplicatedUpstream({
    model: 'fraud',
    variant: 'v1',
    tritonModel: 'fraud_v1',
    replicas,
    perReplica: replicaUpstream,
  });
};
afterEach(async () => {
  behaviour.clear();
  calls.length = 0;
  await replicas?.close();
});

describe('ReplicatedUpstream', () => {
  it('spreads calls round-robin over the replicas discovery reports', async () => {
    const u = upstream();
    replicas.set([
      { id: 'pod-a', url: 'http://127.0.0.1:1001' },
      { id: 'pod-b', url: 'http://127.0.0.1:1002' },
    ]);
    for (let i = 0; i < 6; i++) await u.infer([[1]], 1_000);
    expect(Object.fromEntries(u.answered)).toEqual({ 'pod-a': 3, 'pod-b': 3 });
  });

  it('tries the next replica when one is gone (refused), within the same call', async () => {
    const u = upstream();
    replicas.set([
      { id: 'pod-a', url: 'http://127.0.0.1:1001' },
      { id: 'pod-b', url: 'http://127.0.0.1:1002' },
    ]);
    behaviour.set('http://127.0.0.1:1001', new UpstreamError('unavailable', 'connect ECONNREFUSED'));
    behaviour.set('http://127.0.0.1:1002', 0.25);
    for (let i = 0; i < 4; i++) expect(await u.infer([[1]], 1_000)).toEqual([0.25]);
    expect(Object.fromEntries(u.answered)).toEqual({ 'pod-b': 4 });
  });

  it('does not retry a request the server refused as malformed (4xx)', async () => {
    const u = upstream();
    replicas.set([
      { id: 'pod-a', url: 'http://127.0.0.1:1001' },
      { id: 'pod-b', url: 'http://127.0.0.1:1002' },
    ]);
    behaviour.set('http://127.0.0.1:1001', new UpstreamError('http_4xx', 'bad shape'));
    behaviour.set('http://127.0.0.1:1002', new UpstreamError('http_4xx', 'bad shape'));
    await expect(u.infer([[1]], 1_000)).rejects.toThrow('bad shape');
    expect(calls).toHaveLength(1);
  });

  it('follows the set: a removed replica gets no more calls, a new one does', async () => {
    const u = upstream();
    replicas.set([
      { id: 'pod-a', url: 'http://127.0.0.1:1001' },
      { id: 'pod-b', url: 'http://127.0.0.1:1002' },
    ]);
    replicas.set([
      { id: 'pod-b', url: 'http://127.0.0.1:1002' },
      { id: 'pod-c', url: 'http://127.0.0.1:1003' },
    ]);
    for (let i = 0; i < 4; i++) await u.infer([[1]], 1_000);
    expect(calls.filter((c) => c.endsWith(':1001'))).toHaveLength(0);
    expect(Object.fromEntries(u.answered)).toEqual({ 'pod-b': 2, 'pod-c': 2 });
  });

  it('with no replica at all, fails as unavailable (the fallback tiers take over)', async () => {
    const u = upstream();
    const attempt = u.infer([[1]], 1_000);
    await expect(attempt).rejects.toBeInstanceOf(UpstreamError);
    await expect(attempt).rejects.toMatchObject({ reason: 'unavailable' });
  });
});
