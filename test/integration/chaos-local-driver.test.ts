import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/adapters/chaos/local-stack.ts';
import { withRedis } from '../../src/adapters/chaos/redis-admin.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import { isAlive } from '../../src/adapters/process/processes.ts';
import { type PrometheusServer, startPrometheus } from '../../src/adapters/process/prometheus-server.ts';
import { type RedisInstance, startRedis, stopRedis } from '../../src/adapters/process/redis-server.ts';
import { TrafficGenerator } from '../../src/core/chaos/traffic.ts';
import type { ActionSpec } from '../../src/core/spec/kinds/chaos/actions.ts';
import { startTrafficLoad } from '../../src/services/chaos/built-in-load.ts';
import { LocalState } from '../../src/services/chaos/providers/local-state.ts';
import { prometheusProvider } from '../../src/services/chaos/providers/prometheus.ts';
import type { ActionContext } from '../../src/services/chaos/providers/provider.ts';
import { ActionRegistry } from '../../src/services/chaos/providers/provider.ts';
import { redisProvider } from '../../src/services/chaos/providers/redis.ts';

/**
 * Local actions the shipped experiments do not all use, on the real processes, through
 * their providers: Redis killed and started again (empty), flushed, paused; Prometheus
 * stopped and started from the command line read from /proc; the built-in load's rate and
 * burst.
 */
let redis: RedisInstance;
let prometheus: PrometheusServer;
let stack: LocalStack;
let registry: ActionRegistry;
// The Redis and Prometheus providers read nothing from the context.
const ctx = {} as ActionContext;
const driver = {
  execute: async (action: ActionSpec) => (await registry.act(action, ctx)).detail,
  refuse: (action: ActionSpec) => registry.preflight(action, ctx),
};

beforeAll(async () => {
  redis = await startRedis(await freePort());
  prometheus = await startPrometheus();
  stack = {
    gatewayUrl: 'http://127.0.0.1:9',
    redis: { cache: { ...redis } },
    prometheus: { ...prometheus.identity, cwd: prometheus.dir, url: prometheus.url },
  };
  const local = new LocalState(stack);
  registry = new ActionRegistry([redisProvider(local), prometheusProvider(local)]);
  await registry.prepare(ctx);
});
afterAll(async () => {
  const r = stack.redis?.cache;
  if (r) await stopRedis({ ...r, dir: r.dir ?? redis.dir });
  const p = stack.prometheus;
  if (p && p.pid !== prometheus.pid && isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
  await prometheus.stop();
});

const ping = (url: string) => withRedis(url, (r) => r.ping()).catch((e: Error) => e.message);

describe('local actions on Redis', () => {
  it('flush empties the cache', async () => {
    await withRedis(redis.url, (r) => r.set('pred:1', 'x'));
    expect(await driver.execute({ type: 'redis-flush', redis: 'cache' })).toMatch(/FLUSHALL/);
    expect(await withRedis(redis.url, (r) => r.dbsize())).toBe(0);
  });

  it('pause freezes it (connections open, no answer) and resume brings it back', async () => {
    await driver.execute({ type: 'redis-pause', redis: 'cache' });
    const frozen = await Promise.race([ping(redis.url), new Promise((r) => setTimeout(() => r('no answer'), 500))]);
    expect(frozen).toBe('no answer');
    await driver.execute({ type: 'redis-resume', redis: 'cache' });
    expect(await ping(redis.url)).toBe('PONG');
  });

  it('kill loses the process and its data; start runs a new, empty one on the same port', async () => {
    await withRedis(redis.url, (r) => r.set('feature:1', 'x'));
    const before = stack.redis!.cache!.pid;
    await driver.execute({ type: 'redis-kill', redis: 'cache' });
    expect(isAlive(before)).toBe(false);
    expect(await ping(redis.url)).not.toBe('PONG');
    expect(await driver.execute({ type: 'redis-start', redis: 'cache' })).toMatch(/started redis-server \d+ \(cache\)/);
    expect(stack.redis!.cache!.pid).not.toBe(before);
    expect(await ping(stack.redis!.cache!.url)).toBe('PONG');
    expect(await withRedis(stack.redis!.cache!.url, (r) => r.dbsize())).toBe(0);
    expect(await driver.execute({ type: 'redis-start', redis: 'cache' })).toMatch(/already runs/);
  });

  it('refuses a Redis the stack state does not know, naming where it would be', async () => {
    expect(await driver.refuse({ type: 'redis-pause', redis: 'feature-store' })).toMatch(
      /no Redis "feature-store" in the local stack state \(redis\.featureStore\)/,
    );
  });
});

describe('local actions on Prometheus', () => {
  it('stop, then start again from the command line read from /proc', async () => {
    const before = stack.prometheus!.pid;
    expect(await driver.refuse({ type: 'prometheus-stop' })).toBeUndefined();
    await driver.execute({ type: 'prometheus-stop' });
    expect(isAlive(before)).toBe(false);
    expect(
      await fetch(`${prometheus.url}/-/ready`).then(
        (r) => r.status,
        () => 'down',
      ),
    ).toBe('down');
    expect(stack.prometheus!.argv?.[0]).toBe('prometheus');
    await driver.execute({ type: 'prometheus-start' });
    expect(stack.prometheus!.pid).not.toBe(before);
    expect((await fetch(`${prometheus.url}/-/ready`)).status).toBe(200);
  });
});

describe('the built-in load', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        seen.push((JSON.parse(body) as { user_id: string }).user_id);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ served_by: 'primary' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('sends at its rate, open loop, and a burst adds requests on the hot keys only', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ amount: i, hour: 1 }));
    const load = startTrafficLoad({
      gatewayUrl: url,
      model: 'fraud',
      spec: { rate: 50, useFeatureStore: false },
      generator: new TrafficGenerator(rows, { users: 50, repeatShare: 1, hotShare: 0, hotKeys: 3, seed: 1 }),
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const steady = seen.length;
    load.setBurst(150);
    await new Promise((r) => setTimeout(r, 1_000));
    load.setBurst(0);
    const summary = await load.stop();
    const burst = seen.slice(steady);
    expect(steady).toBeGreaterThanOrEqual(40);
    expect(steady).toBeLessThanOrEqual(60);
    expect(burst.length).toBeGreaterThanOrEqual(170);
    expect(burst.filter((u) => u.startsWith('chaos-hot-')).length).toBeGreaterThanOrEqual(130);
    expect(seen.slice(0, steady).some((u) => u.startsWith('chaos-hot-'))).toBe(false);
    expect(summary).toMatchObject({ sent: seen.length, answered: seen.length, failed: 0, dropped: 0 });
  });
});
