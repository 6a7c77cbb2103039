import { TritonClient } from '../../../adapters/triton/client.ts';
import type { LocalState } from './local-state.ts';
import { needsLocalState } from './local-state.ts';
import { refuseTriton, requireTriton } from './process.ts';
import { provider } from './provider.ts';

/**
 * Triton's model control API (explicit mode): unload models ("the GPU lost the model"), or
 * load them: if not ready, reloaded in place (a deploy), or replaced (unload, then load).
 */
export function tritonModelsProvider(local: LocalState | undefined) {
  return provider<'triton-unload' | 'triton-load'>({
    backend: 'Triton model control',
    types: ['triton-unload', 'triton-load'],
    preflight(action) {
      return local ? refuseTriton(local) : needsLocalState(action.type);
    },
    async act(action) {
      const t = requireTriton(local);
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
      return { detail: `${done.join(', ')} (Triton model control)` };
    },
  });
}
