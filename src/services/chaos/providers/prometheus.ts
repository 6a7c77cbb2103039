import { identityRefusal, isRunning } from '../../../adapters/process/identity.ts';
import { commandOf, isAlive, spawnDetached, stopVerified, waitUntil } from '../../../adapters/process/processes.ts';
import { PrometheusClient } from '../../../adapters/prometheus/client.ts';
import { refuseNonLoopback } from '../../../core/chaos/guards.ts';
import type { LocalState } from './local-state.ts';
import { needsLocalState } from './local-state.ts';
import { provider } from './provider.ts';

/**
 * The local Prometheus stopped (monitoring blind) and started again from the command line
 * read from /proc while it still ran.
 */
export function prometheusProvider(local: LocalState | undefined) {
  const require = () => {
    const p = local?.stack.prometheus;
    if (!p) throw new Error('no Prometheus in the local stack state');
    return p;
  };
  // What is needed to start it again, recorded while it still runs.
  const capture = () => {
    const p = local?.stack.prometheus;
    if (p && !p.argv && isAlive(p.pid)) {
      const command = commandOf(p.pid);
      if (command) Object.assign(p, command);
    }
  };
  return provider<'prometheus-stop' | 'prometheus-start'>({
    backend: 'prometheus',
    types: ['prometheus-stop', 'prometheus-start'],
    async prepare() {
      capture();
    },
    preflight(action) {
      if (!local) return needsLocalState(action.type);
      const p = local.stack.prometheus;
      if (!p) return 'no Prometheus in the local stack state (prometheus)';
      if (!p.argv && !(isAlive(p.pid) && commandOf(p.pid)))
        return `Prometheus pid ${p.pid}: its command line is unknown, so it could not be started again`;
      return (
        (action.type === 'prometheus-stop' ? identityRefusal(p, 'prometheus') : undefined) ??
        refuseNonLoopback('Prometheus', p.url)
      );
    },
    async act(action) {
      const p = require();
      if (action.type === 'prometheus-stop') {
        capture();
        await stopVerified(p, 'prometheus', { graceMs: 15_000 });
        return { detail: `stopped prometheus ${p.pid}` };
      }
      if (isRunning(p)) return { detail: `prometheus ${p.pid} already runs` };
      if (!p.argv || !p.cwd) throw new Error('the Prometheus command line is unknown; start it by hand');
      Object.assign(p, await spawnDetached(p.argv, p.cwd, 'prometheus'));
      (local as LocalState).save();
      const client = new PrometheusClient({ url: p.url, timeoutMs: 1_000 });
      const ready = await waitUntil(() => client.isReady(), 30_000);
      if (!ready) throw new Error(`prometheus ${p.pid} started but ${p.url}/-/ready did not answer 200 within 30 s`);
      return { detail: `started prometheus ${p.pid}` };
    },
  });
}
