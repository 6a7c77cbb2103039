import { ExcessShedder, type ExcessShedderSettings } from './excess-shedder.ts';
import type { LagShedder } from './lag-shedder.ts';

/**
 * The gateway's door: what is refused before the framework reads a request (early-shed.ts).
 * Two reasons to refuse, checked in this order:
 *
 * 1. the model's upstreams are full: its ExcessShedder refuses the share of its requests that
 *    were refused for overload behind the door lately (the primary's adaptive concurrency limit
 *    refused them and neither a stale answer nor the fallback model took them). One model's
 *    overload sheds only its own traffic, and a slow primary whose excess the fallback model
 *    answers (the latency-500ms experiment) sheds nothing;
 * 2. the gateway itself is short of CPU: the LagShedder refuses a share of every request.
 *
 * A request naming no model (`/v1/predict`) belongs to the default model (the spec's first);
 * one naming an unknown model is left to the router, which answers 404.
 *
 * Pure: `closeWindow` is called on the event-loop monitor's clock (event-loop-lag.ts).
 */
export class DoorAdmission {
  private readonly excess: Map<string, ExcessShedder>;
  private readonly defaultModel: string | undefined;
  private readonly lag: LagShedder | undefined;
  /** Inference requests that reached the door in the current window. */
  private arrivals = 0;

  constructor(opts: { models: string[]; lag?: LagShedder; excess?: ExcessShedderSettings }) {
    this.excess = new Map(opts.models.map((m) => [m, new ExcessShedder(opts.excess)]));
    this.defaultModel = opts.models[0];
    this.lag = opts.lag;
  }

  /** Undefined = serve; otherwise the reason it is shed, for the 503 body. */
  refuse(named: string | undefined): string | undefined {
    this.arrivals++;
    const model = named ?? this.defaultModel;
    const excess = model === undefined ? undefined : this.excess.get(model);
    if (excess && !excess.admit()) {
      return `overloaded: ${model}'s model servers are at their concurrency limit and ${percent(excess.share)} of its requests are shed at the door; retry after 1 s`;
    }
    if (this.lag && !this.lag.admit()) {
      return `overloaded: the gateway's event loop is ${Math.round(this.lag.lagMs)} ms behind and ${percent(this.lag.share)} of requests are shed; retry after 1 s`;
    }
    return undefined;
  }

  /** How a request that passed the door ended: refused for overload behind the door (false), or not. */
  record(model: string, admitted: boolean): void {
    this.excess.get(model)?.record(admitted);
  }

  /** The share shed at the door now: per model for a full upstream, and for the gateway's own lag (model `all`). */
  shares(): { model: string; reason: 'upstream_limit' | 'event_loop_lag'; share: number }[] {
    const out: ReturnType<DoorAdmission['shares']> = [...this.excess].map(([model, e]) => ({
      model,
      reason: 'upstream_limit',
      share: e.share,
    }));
    if (this.lag) out.push({ model: 'all', reason: 'event_loop_lag', share: this.lag.share });
    return out;
  }

  /** One window of the event-loop monitor: its lag, utilization and arrivals go to the lag shedder. */
  closeWindow(lagMs: number, utilization: number): void {
    this.lag?.update(lagMs, utilization, this.arrivals);
    this.arrivals = 0;
    for (const e of this.excess.values()) e.closeWindow();
  }
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
