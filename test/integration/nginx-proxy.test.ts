import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NginxProxy, startNginxProxy } from '../../src/adapters/process/nginx-proxy.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { isAlive } from '../../src/adapters/process/supervisor.ts';

/** Debian's nginx, started by the supervisor with the generated config, proxying to a node:http upstream. */
describe('nginx proxy (the gateway bench peer)', () => {
  let upstream: Server;
  let upstreamUrl: string;
  const sockets = new Set<unknown>();
  const seen: { method: string; url: string; body: string; connection: string | undefined }[] = [];
  let nginx: NginxProxy;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, connection: req.headers.connection });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echoed: body.length }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    nginx = await startNginxProxy({ port: await freePort(), upstream: upstreamUrl });
  });

  afterAll(async () => {
    await nginx?.stop();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('passes a POST body and the answer through unchanged', async () => {
    const body = JSON.stringify({ inputs: [{ name: 'features', data: [1, 2, 3] }] });
    const res = await request(`${nginx.url}/v2/models/fraud_v1/infer`, { method: 'POST', body });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ echoed: body.length });
    const last = seen.at(-1);
    expect(last).toMatchObject({ method: 'POST', url: '/v2/models/fraud_v1/infer', body });
  });

  it('keeps its upstream connection alive: sequential requests reuse one socket', async () => {
    sockets.clear();
    for (let i = 0; i < 20; i++) {
      const res = await request(`${nginx.url}/v2/models/fraud_v1/infer`, { method: 'POST', body: String(i) });
      await res.body.text();
    }
    expect(sockets.size).toBe(1);
    // `Connection ""`: nginx does not ask the upstream to close after each request.
    expect(seen.at(-1)?.connection).not.toBe('close');
  });

  it('with maxInflight, forwards that many at once and answers the rest 503 at once (the overload bench peer)', async () => {
    // An upstream that holds every POST until released (what is in progress stays in progress);
    // the readiness probe's GET is answered at once.
    const held: (() => void)[] = [];
    const slow = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method !== 'POST') {
          res.end('{}');
          return;
        }
        held.push(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        });
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const capped = await startNginxProxy({
      port: await freePort(),
      upstream: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
      maxInflight: 2,
    });
    try {
      const send = () =>
        request(`${capped.url}/v2/models/fraud_v1/infer`, { method: 'POST', body: '{}' }).then(async (r) => {
          await r.body.text();
          return r.statusCode;
        });
      const first = [send(), send()];
      await expect.poll(() => held.length, { timeout: 5_000 }).toBe(2);
      // Beyond the cap: refused without waiting for the two in progress.
      expect(await Promise.all([send(), send(), send()])).toEqual([503, 503, 503]);
      for (const release of held.splice(0)) release();
      expect(await Promise.all(first)).toEqual([200, 200]);
      // Room again once they are answered.
      const again = send();
      await expect.poll(() => held.length, { timeout: 5_000 }).toBe(1);
      for (const release of held.splice(0)) release();
      expect(await again).toBe(200);
    } finally {
      await capped.stop();
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('stops: the process exits and its temp folder is removed', async () => {
    const other = await startNginxProxy({ port: await freePort(), upstream: upstreamUrl });
    expect(isAlive(other.pid)).toBe(true);
    await other.stop();
    expect(isAlive(other.pid)).toBe(false);
    expect(existsSync(other.dir)).toBe(false);
  });
});
