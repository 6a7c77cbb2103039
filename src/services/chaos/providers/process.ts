import { identityRefusal, isRunning } from '../../../adapters/process/identity.ts';
import { isPortFree } from '../../../adapters/process/ports.ts';
import { stopVerified, waitUntil } from '../../../adapters/process/processes.ts';
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
      const t = local.stack.triton;
      // The pid must still be the Triton that was started, before anything is signalled.
      return (
        (action.type === 'triton-kill' && t ? identityRefusal(t, 'tritonserver') : undefined) ?? refuseTriton(local)
      );
    },
    async act(action) {
      const t = requireTriton(local);
      if (action.type === 'triton-kill') {
        // Identity-checked: throws, signalling nothing, when the pid is no longer our Triton.
        const result = await stopVerified(t, 'tritonserver', { group: true, signal: action.signal, graceMs: 20_000 });
        if (result === 'gone') return { detail: `tritonserver ${t.pid} was not running` };
        return {
          detail: `${action.signal} to tritonserver process group ${t.pid}${result === 'stopped' ? '' : ' (then SIGKILL: it did not stop)'}`,
        };
      }
      const client = new TritonClient({ url: t.url, timeoutMs: 2_000 });
      try {
        if (isRunning(t) && (await client.isReady().catch(() => false)))
          return { detail: `tritonserver ${t.pid} already runs` };
      } finally {
        await client.close();
      }
      if (isRunning(t)) await stopVerified(t, 'tritonserver', { group: true, signal: 'SIGKILL' });
      // A crashed server's listening sockets go with its last process (the python-backend
      // stubs of its group may outlive it by a moment): wait for the ports before starting.
      const ports = Object.values(t.ports);
      await waitUntil(async () => (await Promise.all(ports.map((p) => isPortFree(p)))).every(Boolean), 15_000);
      const started = await startTriton({
        ports: t.ports,
        modelRepository: t.modelRepository,
        models: t.models,
        // The same flags: with a registry, Triton also loads from the S3 store (a deploy publishes there).
        ...(t.extraArgs ? { extraArgs: t.extraArgs } : {}),
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
