import { isAlive, signalGroup, waitForExit } from '../../../adapters/process/processes.ts';
import { startTriton } from '../../../adapters/process/triton-server.ts';
import { TritonClient } from '../../../adapters/triton/client.ts';
import { refuseNonLoopback } from '../../../core/chaos/guards.ts';
import type { LocalState } from './local-state.ts';
import { needsLocalState } from './local-state.ts';
import { provider } from './provider.ts';

/**
 * The tritonserver process of the local stack: a crash (SIGKILL to its process group) or a
 * graceful stop, and a start on the same ports and models.
 */
export function tritonProcessProvider(local: LocalState | undefined) {
  return provider<'triton-kill' | 'triton-start'>({
    backend: 'tritonserver process',
    types: ['triton-kill', 'triton-start'],
    preflight(action) {
      if (!local) return needsLocalState(action.type);
      return refuseTriton(local);
    },
    async act(action) {
      const t = requireTriton(local);
      if (action.type === 'triton-kill') {
        if (!isAlive(t.pid)) return { detail: `tritonserver ${t.pid} was not running` };
        signalGroup(t.pid, action.signal);
        const gone = await waitForExit(t.pid, action.signal === 'SIGKILL' ? 10_000 : 20_000);
        if (!gone) {
          signalGroup(t.pid, 'SIGKILL');
          await waitForExit(t.pid, 10_000);
        }
        return {
          detail: `${action.signal} to tritonserver process group ${t.pid}${gone ? '' : ' (then SIGKILL: it did not stop)'}`,
        };
      }
      const client = new TritonClient({ url: t.url, timeoutMs: 2_000 });
      try {
        if (isAlive(t.pid) && (await client.isReady().catch(() => false)))
          return { detail: `tritonserver ${t.pid} already runs` };
      } finally {
        await client.close();
      }
      if (isAlive(t.pid)) {
        signalGroup(t.pid, 'SIGKILL');
        await waitForExit(t.pid, 10_000);
      }
      const started = await startTriton({
        ports: t.ports,
        modelRepository: t.modelRepository,
        models: t.models,
        readyTimeoutMs: 120_000,
      });
      (local as LocalState).stack.triton = started;
      (local as LocalState).save();
      return {
        detail: `started tritonserver ${started.pid} on :${started.ports.http} (${started.models.join(', ')})`,
      };
    },
  });
}

/** Triton must be in the state and on loopback (shared by the Triton providers). */
export function refuseTriton(local: LocalState): string | undefined {
  const t = local.stack.triton;
  return t
    ? refuseNonLoopback('Triton', t.url)
    : 'no Triton in the local stack state (triton); start it with `steadystate triton up`';
}

export function requireTriton(local: LocalState | undefined) {
  const t = local?.stack.triton;
  if (!t) throw new Error('no Triton in the local stack state');
  return t;
}
