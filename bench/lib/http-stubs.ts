import { paths } from '../../src/adapters/process/paths.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { spawnSupervised, waitReady } from '../../src/adapters/process/supervisor.ts';

/**
 * The bare node:http servers the gateway bench measures against, each in its own process
 * (so neither shares the load generator's event loop): the Node ceiling for a cache hit, and
 * a stub Triton that answers every infer with one fixed KServe response (so the proxies'
 * own cost per request shows, not the model's).
 */

/** The gateway's cache-hit answer, byte for byte the same size class, from a bare handler. */
export const BARE_PREDICT_HANDLER = `
const http = require('node:http');
const body = JSON.stringify({ score: 0.9989956617355347, label: 1, model: 'fraud', variant: 'v1', served_by: 'cache', stale: false, request_id: '00000000-0000-0000-0000-000000000000', degraded: false });
http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); }); }).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

/** A stub Triton: health 200, every POST answered with one score (a one-row KServe infer response). */
export const STUB_TRITON = `
const http = require('node:http');
const infer = JSON.stringify({ model_name: 'fraud_v1', model_version: '1', outputs: [{ name: 'probability', datatype: 'FP32', shape: [1, 1], data: [0.25] }] });
http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(req.method === 'POST' ? infer : '{}'); }); }).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

/**
 * The bare Node proxy: node:http in, one undici Pool out to the upstream (argv[2]), the body
 * forwarded as bytes both ways, no gateway logic (no parsing, validation, cache, metrics,
 * request id). What any Node proxy pays per request: the floor the gateway's cost per cache
 * miss is read against, beside nginx. With argv[3] it is also the cheapest Node door: at most
 * that many requests forwarded at once, the rest answered 503 + Retry-After before the body is
 * read (the overload bench's fixed-cap peer, beside nginx's limit_conn).
 */
export const BARE_NODE_PROXY = `
const http = require('node:http');
const { Pool } = require('undici');
const upstream = new Pool(process.argv[2], { connections: 128, pipelining: 1, keepAliveTimeout: 30000 });
const cap = process.argv[3] ? Number(process.argv[3]) : Infinity;
const shed = JSON.stringify({ error: 'overloaded: at the in-flight cap; retry after 1 s' });
let inflight = 0;
http.createServer((req, res) => {
  if (cap !== Infinity) {
    if (inflight >= cap) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(shed);
      return;
    }
    inflight++;
    res.once('close', () => inflight--); // answered or the client went away: once either way
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    upstream.request({ path: req.url, method: req.method, headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
      .then(async (r) => {
        const body = Buffer.from(await r.body.arrayBuffer());
        res.writeHead(r.statusCode, { 'content-type': 'application/json' });
        res.end(body);
      })
      .catch((e) => { res.writeHead(502); res.end(String(e)); });
  });
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

export interface ScriptServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Runs one of the scripts above with `node -e` on a free loopback port, through the supervisor,
 * from the repository root (so `require('undici')` finds the project's copy); `args` follow the port.
 */
export async function startScriptServer(what: string, script: string, ...args: string[]): Promise<ScriptServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await spawnSupervised({
    what,
    command: process.execPath,
    args: ['-e', script, String(port), ...args],
    cwd: paths.root(),
    output: 'pipe',
  });
  await waitReady(server, {
    what,
    where: url,
    timeoutMs: 10_000,
    intervalMs: 50,
    // Any HTTP answer means it listens: a proxy in front of Triton answers its 400 for this body.
    probe: () => fetch(`${url}/`, { method: 'POST', body: '{}' }).then((r) => r.status > 0),
  });
  return { url, pid: server.pid, stop: () => server.stop(5_000) };
}
