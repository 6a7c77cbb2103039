import type { CounterSnapshot } from '../../core/abtest/counters.ts';
import type { ShadowCounters } from '../../core/abtest/shadow.ts';

/**
 * The one-method port the A/B controller reads counters through: Prometheus (summed over
 * gateway replicas) or one gateway's /metrics in the embedded mode, or anything else that
 * can produce the same numbers. As in Flagger's metric providers, "no values found" and
 * "failed" are kept apart in `reason`, and both mean no data: never a rollback or a ship.
 */
export type CounterReading =
  | {
      ok: true;
      snapshot: CounterSnapshot /** Shadow (challenger) counters, when the model mirrors traffic. */;
      shadow?: ShadowCounters[];
    }
  | { ok: false; reason: string };

export interface CounterSource {
  read(signal?: AbortSignal): Promise<CounterReading>;
}
