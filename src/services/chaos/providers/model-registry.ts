import { existsSync } from 'node:fs';
import {
  moveRegistryAway,
  ownedModelRepository,
  RegistryRefused,
  restoreRegistry,
  UNAVAILABLE_SUFFIX,
} from '../../../adapters/chaos/local-stack.ts';
import type { LocalState } from './local-state.ts';
import { needsLocalState } from './local-state.ts';
import { requireTriton } from './process.ts';
import { provider } from './provider.ts';

export { UNAVAILABLE_SUFFIX };

/**
 * The model registry (the repository Triton loads from) becomes unreachable: the directory
 * is moved aside, so loads fail while the models already loaded keep serving; and back.
 */
export function modelRegistryProvider(local: LocalState | undefined) {
  return provider<'registry-outage' | 'registry-restore'>({
    backend: 'model repository',
    types: ['registry-outage', 'registry-restore'],
    preflight(action) {
      if (!local) return needsLocalState(action.type);
      const t = local.stack.triton;
      if (!t) return 'no Triton in the local stack state; the registry is its model repository';
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
      const repo = requireTriton(local).modelRepository;
      if (action.type === 'registry-outage') {
        moveRegistryAway((local as LocalState).stack, repo);
        return { detail: `model repository ${repo} moved away (unreachable registry)` };
      }
      if (!restoreRegistry((local as LocalState).stack, repo))
        return { detail: `model repository ${repo} was available` };
      return { detail: `model repository ${repo} back` };
    },
  });
}
