import { refuseFaultBlastRadius } from '../../../core/chaos/guards.ts';
import type { GatewayAdminPort } from '../ports.ts';
import { type ActionContext, provider } from './provider.ts';

type GatewayAction = 'gateway-faults' | 'gateway-clear-faults' | 'gateway-weights';

/**
 * The gateway's admin API: fault injection at its Triton client (errors, latency, resets)
 * and routing weights. The weights as found before the method are read in `prepare`: the
 * blast radius of a fault is judged on them, and `restore: true` puts them back.
 */
export function gatewayAdminProvider(admin: GatewayAdminPort | undefined) {
  const weightsFound = new Map<string, Record<string, number>>();
  const needsAdmin = (ctx: ActionContext) =>
    `needs the gateway admin API: set ${ctx.stack.gateway.adminTokenEnv} to the gateway's admin token`;
  const requireAdmin = () => {
    if (!admin) throw new Error('no gateway admin API');
    return admin;
  };
  return provider<GatewayAction>({
    backend: 'gateway admin API',
    types: ['gateway-faults', 'gateway-clear-faults', 'gateway-weights'],
    async prepare(ctx) {
      if (!admin) return;
      for (const m of ctx.stack.models) {
        const w = await admin.getWeights(m.name).catch(() => undefined);
        if (w) weightsFound.set(m.name, w);
      }
    },
    preflight(action, ctx) {
      if (!admin) return needsAdmin(ctx);
      if (action.type === 'gateway-clear-faults') return undefined;
      const model = action.model ?? ctx.defaultModel;
      if (action.type === 'gateway-weights') {
        return action.restore && !weightsFound.has(model)
          ? `cannot restore the weights of ${model}: they could not be read before the method`
          : undefined;
      }
      const m = ctx.stack.models.find((x) => x.name === model);
      if (!m) return undefined; // named by the static checks
      const weights = weightsFound.get(model) ?? Object.fromEntries(m.variants.map((v) => [v.name, v.weight]));
      return refuseFaultBlastRadius(action.faults, weights, ctx.limits);
    },
    async act(action, ctx) {
      const api = requireAdmin();
      if (action.type === 'gateway-clear-faults') {
        await api.clearFaults();
        return { detail: 'gateway faults cleared' };
      }
      const model = action.model ?? ctx.defaultModel;
      if (action.type === 'gateway-faults') {
        const set = await api.setFaults(action.faults.map((f) => ({ model, ...f })));
        return {
          detail: `gateway faults: ${set.map((f) => `${f.model}/${f.variant} ${f.kind} p=${f.probability}${f.latencyMs ? ` ${f.latencyMs} ms` : ''}`).join(', ')}`,
        };
      }
      const weights = action.restore ? weightsFound.get(model) : action.weights;
      if (!weights) throw new Error(`no weights found for ${model} before the method`);
      const set = await api.setWeights(model, weights);
      return { detail: `${model} weights ${JSON.stringify(set)}${action.restore ? ' (as found)' : ''}` };
    },
  });
}
