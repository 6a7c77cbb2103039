import type { ChaosEnvironment } from '../environment.ts';
import { batchJobProvider } from './batch-job.ts';
import { gatewayAdminProvider } from './gateway-admin.ts';
import { kubernetesProvider } from './kubernetes.ts';
import { modelRegistryProvider } from './model-registry.ts';
import { tritonProcessProvider } from './process.ts';
import { prometheusProvider } from './prometheus.ts';
import { ActionRegistry } from './provider.ts';
import { redisProvider } from './redis.ts';
import { trafficProvider } from './traffic.ts';
import { tritonModelsProvider } from './triton-models.ts';

export { LocalState } from './local-state.ts';
export { type ActionContext, type ActionProvider, ActionRegistry, type ActionResult, provider } from './provider.ts';

/**
 * Every action type with its provider, over what this environment can reach. A provider
 * whose backend is missing stays registered and refuses in preflight, naming what to pass.
 */
export function defaultRegistry(env: ChaosEnvironment): ActionRegistry {
  return new ActionRegistry([
    tritonProcessProvider(env.local),
    tritonModelsProvider(env.local),
    modelRegistryProvider(env.local),
    gatewayAdminProvider(env.admin),
    redisProvider(env.local),
    prometheusProvider(env.local),
    trafficProvider(),
    kubernetesProvider(env.pods),
    batchJobProvider(env.local),
  ]);
}
