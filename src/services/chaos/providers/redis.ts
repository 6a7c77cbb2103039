import { withRedis } from '../../../adapters/chaos/redis-admin.ts';
import { identityRefusal, isRunning } from '../../../adapters/process/identity.ts';
import { signalVerified, stopVerified } from '../../../adapters/process/processes.ts';
import { startRedis } from '../../../adapters/process/redis-server.ts';
import { refuseNonLoopback } from '../../../core/chaos/guards.ts';
import type { LocalState } from './local-state.ts';
import { needsLocalState } from './local-state.ts';
import { provider } from './provider.ts';

type RedisAction = 'redis-kill' | 'redis-pause' | 'redis-resume' | 'redis-start' | 'redis-flush';

/**
 * The local Redis servers (prediction cache, online feature store): killed (its data is
 * gone), paused with SIGSTOP (connections stay open, nothing answers), resumed, started
 * again empty on the same port, or flushed.
 */
export function redisProvider(local: LocalState | undefined) {
  const require = (role: 'cache' | 'feature-store') => {
    const ref = local?.redis(role);
    if (!ref) throw new Error(`no Redis "${role}" in the local stack state`);
    return ref;
  };
  return provider<RedisAction>({
    backend: 'redis',
    types: ['redis-kill', 'redis-pause', 'redis-resume', 'redis-start', 'redis-flush'],
    preflight(action) {
      if (!local) return needsLocalState(action.type);
      const ref = local.redis(action.redis);
      if (!ref)
        return `no Redis "${action.redis}" in the local stack state (redis.${action.redis === 'cache' ? 'cache' : 'featureStore'})`;
      // Signals go only to the redis-server that was started (a stale pid may be anyone's now).
      const signals = action.type !== 'redis-start' && action.type !== 'redis-flush';
      return (
        (signals ? identityRefusal(ref, `redis-server (${action.redis})`) : undefined) ??
        refuseNonLoopback(`Redis (${action.redis})`, ref.url)
      );
    },
    async act(action) {
      const r = require(action.redis);
      const what = `redis-server (${action.redis})`;
      switch (action.type) {
        case 'redis-kill':
          if (signalVerified(r, 'SIGCONT', what) === 'gone')
            return { detail: `redis-server ${r.pid} (${action.redis}) was not running` };
          await stopVerified(r, what, { signal: 'SIGKILL' });
          return { detail: `SIGKILL to redis-server ${r.pid} (${action.redis}): its data is gone` };
        case 'redis-pause':
          signalVerified(r, 'SIGSTOP', what);
          return {
            detail: `SIGSTOP to redis-server ${r.pid} (${action.redis}): connections stay open, nothing answers`,
          };
        case 'redis-resume':
          signalVerified(r, 'SIGCONT', what);
          return { detail: `SIGCONT to redis-server ${r.pid} (${action.redis})` };
        case 'redis-start': {
          if (isRunning(r)) {
            signalVerified(r, 'SIGCONT', what);
            return { detail: `redis-server ${r.pid} (${action.redis}) already runs` };
          }
          const started = await startRedis(r.port);
          Object.assign(r, started);
          (local as LocalState).save();
          return { detail: `started redis-server ${started.pid} (${action.redis}) on :${r.port}, empty` };
        }
        case 'redis-flush':
          await withRedis(r.url, (redis) => redis.flushall());
          return { detail: `FLUSHALL on redis ${r.url} (${action.redis})` };
      }
    },
  });
}
