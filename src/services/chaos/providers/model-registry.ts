import { existsSync } from 'node:fs';
import {
  moveRegistryAway,
  ownedModelRepository,
  type RegistryRef,
  RegistryRefused,
  restoreRegistry,
  UNAVAILABLE_SUFFIX,
} from '../../../adapters/chaos/local-stack.ts';
import {
  registryIdentityRefusal,
  startRegistryProcesses,
  stopRegistryProcesses,
} from '../../../adapters/chaos/registry-processes.ts';
import { refuseNonLoopback } from '../../../core/chaos/guards.ts';
import type { LocalState } from './local-state.ts';
import { needsLocalState } from './local-state.ts';
import { requireTriton } from './process.ts';
import { provider } from './provider.ts';

export { UNAVAILABLE_SUFFIX };

/**
 * The model registry becomes unreachable, and comes back. With a registry in the stack
 * (MLflow and the versitygw S3 store: `gameday --ship-model`, the deploy tests) both are
 * stopped for real and started again on the same ports and data: deploys retry and then
 * complete or fail cleanly, while Triton keeps serving the models it loaded. Without one the
 * registry is Triton's local model repository: the folder is moved aside and back, so loads
 * fail while the loaded models keep serving.
 */
export function modelRegistryProvider(local: LocalState | undefined) {
  return provider<'registry-outage' | 'registry-restore'>({
    backend: 'model registry',
    types: ['registry-outage', 'registry-restore'],
    preflight(action) {
      if (!local) return needsLocalState(action.type);
      const registry = local.stack.registry;
      if (registry) return refuseRegistry(registry, action.type);
      const t = local.stack.triton;
      if (!t)
        return 'no Triton in the local stack state; without a registry (MLflow) the registry is its model repository';
      const repo = t.modelRepository;
      if (action.type === 'registry-outage' && existsSync(`${repo}${UNAVAILABLE_SUFFIX}`)) {
        return `${repo}${UNAVAILABLE_SUFFIX} exists: an earlier run left the registry unavailable; restore it first (mv ${repo}${UNAVAILABLE_SUFFIX} ${repo})`;
      }
      if (action.type === 'registry-outage' && !existsSync(repo)) return `the model repository ${repo} does not exist`;
      if (action.type === 'registry-outage') {
        // Only the stack's own repository is ever moved (a state file may name any folder).
        try {
          ownedModelRepository(local.stack, repo);
        } catch (error) {
          if (error instanceof RegistryRefused) return error.message;
          throw error;
        }
      }
      return undefined;
    },
    async act(action) {
      const state = local as LocalState;
      const registry = state.stack.registry;
      if (registry) {
        if (action.type === 'registry-outage') {
          const stopped = await stopRegistryProcesses(registry);
          return { detail: `registry and model store down: ${stopped}` };
        }
        const started = await startRegistryProcesses(registry);
        state.save();
        return {
          detail: started
            ? `registry and model store back on the same ports and data: ${started}`
            : 'registry and model store were running',
        };
      }
      const repo = requireTriton(local).modelRepository;
      if (action.type === 'registry-outage') {
        moveRegistryAway(state.stack, repo);
        return { detail: `model repository ${repo} moved away (unreachable registry)` };
      }
      if (!restoreRegistry(state.stack, repo)) return { detail: `model repository ${repo} was available` };
      return { detail: `model repository ${repo} back` };
    },
  });
}

/** Both on loopback; an outage signals only the processes the stack started. */
function refuseRegistry(registry: RegistryRef, type: 'registry-outage' | 'registry-restore'): string | undefined {
  return (
    refuseNonLoopback('MLflow', registry.mlflow.url) ??
    refuseNonLoopback('the model store (versitygw)', registry.objectStore.endpoint) ??
    (type === 'registry-outage'
      ? registryIdentityRefusal(registry)
      : existsSync(registry.objectStore.credentialsFile)
        ? undefined
        : `the model store's credentials ${registry.objectStore.credentialsFile} are missing: it could not be started again with the keys Triton holds; restart the stack`)
  );
}
