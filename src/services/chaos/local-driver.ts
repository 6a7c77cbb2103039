import { existsSync } from 'node:fs';
import type { LocalStack, RedisRef } from '../../adapters/chaos/local-stack.ts';
import {
  moveRegistryAway,
  ownedModelRepository,
  RegistryRefused,
  restoreRegistry,
  UNAVAILABLE_SUFFIX,
  writeLocalStack,
} from '../../adapters/chaos/local-stack.ts';
import { withRedis } from '../../adapters/chaos/redis-admin.ts';
import { identityRefusal, isRunning } from '../../adapters/process/identity.ts';
import {
  commandOf,
  isAlive,
  signalVerified,
  spawnDetached,
  stopVerified,
  waitUntil,
} from '../../adapters/process/processes.ts';
import { startRedis } from '../../adapters/process/redis-server.ts';
import { startTriton } from '../../adapters/process/triton-server.ts';
import { TritonClient } from '../../adapters/triton/client.ts';
import { refuseNonLoopback } from '../../core/chaos/guards.ts';
import type { ActionSpec } from '../../core/spec/kinds/chaos/actions.ts';

/**
 * Local actions on the real processes of the embedded stack. What runs where comes from
 * the LocalStack state; a process the driver starts again is written back to it, so whoever
 * owns the stack can stop it. Nothing here touches anything but loopback.
 */
export type LocalAction = Exclude<ActionSpec, { type: 'pod-delete' | `gateway-${string}` | `traffic-${string}` }>;

export { UNAVAILABLE_SUFFIX };

export class LocalDriver {
  readonly stack: LocalStack;
  private readonly stateFile: string | undefined;

  constructor(stack: LocalStack, stateFile?: string) {
    this.stack = stack;
    this.stateFile = stateFile;
  }

  /** Why this action cannot run here (a component the state does not know, a leftover), or undefined. */
  refuse(action: LocalAction): string | undefined {
    const s = this.stack;
    switch (action.type) {
      case 'triton-kill':
      case 'triton-start':
      case 'triton-unload':
      case 'triton-load':
        if (!s.triton) return 'no Triton in the local stack state (triton); start it with `steadystate triton up`';
        // The pid must still be the Triton that was started, before anything is signalled.
        return (
          (action.type === 'triton-kill' ? identityRefusal(s.triton, 'tritonserver') : undefined) ??
          refuseNonLoopback('Triton', s.triton.url)
        );
      case 'registry-outage':
      case 'registry-restore': {
        if (!s.triton) return 'no Triton in the local stack state; the registry is its model repository';
        const repo = s.triton.modelRepository;
        if (action.type === 'registry-outage' && existsSync(`${repo}${UNAVAILABLE_SUFFIX}`)) {
          return `${repo}${UNAVAILABLE_SUFFIX} exists: an earlier run left the registry unavailable; restore it first (mv ${repo}${UNAVAILABLE_SUFFIX} ${repo})`;
        }
        if (action.type === 'registry-outage' && !existsSync(repo))
          return `the model repository ${repo} does not exist`;
        if (action.type === 'registry-outage') {
          try {
            ownedModelRepository(s, repo);
          } catch (error) {
            if (error instanceof RegistryRefused) return error.message;
            throw error;
          }
        }
        return undefined;
      }
      case 'redis-kill':
      case 'redis-pause':
      case 'redis-resume':
      case 'redis-start':
      case 'redis-flush': {
        const ref = this.redisRef(action.redis);
        if (!ref)
          return `no Redis "${action.redis}" in the local stack state (redis.${action.redis === 'cache' ? 'cache' : 'featureStore'})`;
        return (
          (action.type === 'redis-start' || action.type === 'redis-flush'
            ? undefined
            : identityRefusal(ref, `redis-server (${action.redis})`)) ??
          refuseNonLoopback(`Redis (${action.redis})`, ref.url)
        );
      }
      case 'prometheus-stop':
      case 'prometheus-start': {
        const p = s.prometheus;
        if (!p) return 'no Prometheus in the local stack state (prometheus)';
        if (!p.argv && !(isAlive(p.pid) && commandOf(p.pid)))
          return `Prometheus pid ${p.pid}: its command line is unknown, so it could not be started again`;
        return (
          (action.type === 'prometheus-stop' ? identityRefusal(p, 'prometheus') : undefined) ??
          refuseNonLoopback('Prometheus', p.url)
        );
      }
    }
  }

  /** Records what is needed to undo stops later (command lines), while the processes still run. */
  capture(): void {
    const p = this.stack.prometheus;
    if (p && !p.argv && isAlive(p.pid)) {
      const command = commandOf(p.pid);
      if (command) Object.assign(p, command);
    }
  }

  async execute(action: LocalAction): Promise<string> {
    switch (action.type) {
      case 'triton-kill': {
        const t = this.requireTriton();
        // Identity-checked: throws, signalling nothing, when the pid is no longer our Triton.
        const result = await stopVerified(t, 'tritonserver', { group: true, signal: action.signal, graceMs: 20_000 });
        if (result === 'gone') return `tritonserver ${t.pid} was not running`;
        return `${action.signal} to tritonserver process group ${t.pid}${result === 'stopped' ? '' : ' (then SIGKILL: it did not stop)'}`;
      }
      case 'triton-start': {
        const t = this.requireTriton();
        const client = new TritonClient({ url: t.url, timeoutMs: 2_000 });
        try {
          if (isRunning(t) && (await client.isReady().catch(() => false))) return `tritonserver ${t.pid} already runs`;
        } finally {
          await client.close();
        }
        if (isRunning(t)) await stopVerified(t, 'tritonserver', { group: true, signal: 'SIGKILL' });
        const started = await startTriton({
          ports: t.ports,
          modelRepository: t.modelRepository,
          models: t.models,
          readyTimeoutMs: 120_000,
        });
        this.stack.triton = started;
        this.save();
        return `started tritonserver ${started.pid} on :${started.ports.http} (${started.models.join(', ')})`;
      }
      case 'triton-unload':
      case 'triton-load': {
        const t = this.requireTriton();
        const client = new TritonClient({ url: t.url, timeoutMs: 60_000 });
        const done: string[] = [];
        try {
          for (const model of action.models) {
            if (action.type === 'triton-unload') {
              await client.unloadModel(model);
              done.push(`unloaded ${model}`);
              continue;
            }
            if (action.strategy === 'if-not-ready' && (await client.isModelReady(model))) {
              done.push(`${model} already ready`);
              continue;
            }
            if (action.strategy === 'replace') await client.unloadModel(model);
            await client.loadModel(model);
            done.push(
              `${action.strategy === 'if-not-ready' ? 'loaded' : action.strategy === 'reload' ? 'reloaded' : 'replaced'} ${model}`,
            );
          }
        } finally {
          await client.close();
        }
        return `${done.join(', ')} (Triton model control)`;
      }
      case 'registry-outage': {
        const repo = this.requireTriton().modelRepository;
        moveRegistryAway(this.stack, repo);
        return `model repository ${repo} moved away (unreachable registry)`;
      }
      case 'registry-restore': {
        const repo = this.requireTriton().modelRepository;
        if (!restoreRegistry(this.stack, repo)) return `model repository ${repo} was available`;
        return `model repository ${repo} back`;
      }
      case 'redis-kill': {
        const r = this.requireRedis(action.redis);
        const what = `redis-server (${action.redis})`;
        if (signalVerified(r, 'SIGCONT', what) === 'gone')
          return `redis-server ${r.pid} (${action.redis}) was not running`;
        await stopVerified(r, what, { signal: 'SIGKILL' });
        return `SIGKILL to redis-server ${r.pid} (${action.redis}): its data is gone`;
      }
      case 'redis-pause':
        signalVerified(this.requireRedis(action.redis), 'SIGSTOP', `redis-server (${action.redis})`);
        return `SIGSTOP to redis-server ${this.requireRedis(action.redis).pid} (${action.redis}): connections stay open, nothing answers`;
      case 'redis-resume':
        signalVerified(this.requireRedis(action.redis), 'SIGCONT', `redis-server (${action.redis})`);
        return `SIGCONT to redis-server ${this.requireRedis(action.redis).pid} (${action.redis})`;
      case 'redis-start': {
        const r = this.requireRedis(action.redis);
        if (isRunning(r)) {
          signalVerified(r, 'SIGCONT', `redis-server (${action.redis})`);
          return `redis-server ${r.pid} (${action.redis}) already runs`;
        }
        const started = await startRedis(r.port);
        Object.assign(r, started);
        this.save();
        return `started redis-server ${started.pid} (${action.redis}) on :${r.port}, empty`;
      }
      case 'redis-flush': {
        const r = this.requireRedis(action.redis);
        await withRedis(r.url, (redis) => redis.flushall());
        return `FLUSHALL on redis ${r.url} (${action.redis})`;
      }
      case 'prometheus-stop': {
        const p = this.requirePrometheus();
        this.capture();
        await stopVerified(p, 'prometheus', { graceMs: 15_000 });
        return `stopped prometheus ${p.pid}`;
      }
      case 'prometheus-start': {
        const p = this.requirePrometheus();
        if (isRunning(p)) return `prometheus ${p.pid} already runs`;
        if (!p.argv || !p.cwd) throw new Error('the Prometheus command line is unknown; start it by hand');
        Object.assign(p, await spawnDetached(p.argv, p.cwd, 'prometheus'));
        this.save();
        const ready = await waitUntil(
          async () => (await fetch(`${p.url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok,
          30_000,
        );
        if (!ready) throw new Error(`prometheus ${p.pid} started but ${p.url}/-/ready did not answer 200 within 30 s`);
        return `started prometheus ${p.pid}`;
      }
    }
  }

  private requireTriton() {
    if (!this.stack.triton) throw new Error('no Triton in the local stack state');
    return this.stack.triton;
  }

  private redisRef(role: 'cache' | 'feature-store'): RedisRef | undefined {
    return role === 'cache' ? this.stack.redis?.cache : this.stack.redis?.featureStore;
  }

  private requireRedis(role: 'cache' | 'feature-store'): RedisRef {
    const ref = this.redisRef(role);
    if (!ref) throw new Error(`no Redis "${role}" in the local stack state`);
    return ref;
  }

  private requirePrometheus() {
    if (!this.stack.prometheus) throw new Error('no Prometheus in the local stack state');
    return this.stack.prometheus;
  }

  private save(): void {
    if (this.stateFile) writeLocalStack(this.stateFile, this.stack);
  }
}
