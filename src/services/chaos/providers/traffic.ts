import { type ActionContext, provider } from './provider.ts';

/** The built-in load: its features shifted (model drift), or a burst on the hot keys (a cache stampede). */
export function trafficProvider() {
  const requireLoad = (ctx: ActionContext) => {
    const load = ctx.load();
    if (!load) throw new Error('the built-in load is not running');
    return load;
  };
  return provider<'traffic-shift' | 'traffic-burst'>({
    backend: 'built-in load',
    types: ['traffic-shift', 'traffic-burst'],
    preflight(action, ctx) {
      return ctx.spec.load && ctx.builtInLoad
        ? undefined
        : `${action.type} changes the built-in load, which is off (--no-load)`;
    },
    async act(action, ctx) {
      const load = requireLoad(ctx);
      if (action.type === 'traffic-burst') {
        load.setBurst(action.rate);
        return { detail: action.rate > 0 ? `burst of ${action.rate} req/s on the hot keys` : 'burst ended' };
      }
      const none = Object.keys(action.scale).length === 0 && Object.keys(action.set).length === 0;
      load.setShift(none ? undefined : { scale: action.scale, set: action.set });
      return {
        detail: none
          ? 'traffic back to its usual features'
          : `traffic shifted: scale ${JSON.stringify(action.scale)}, set ${JSON.stringify(action.set)}`,
      };
    },
  });
}
