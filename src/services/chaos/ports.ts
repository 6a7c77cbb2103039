import type { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
import type { LoadSummary } from '../../core/chaos/journal.ts';
import type { Shift } from '../../core/chaos/traffic.ts';
import type { Reading } from '../../core/chaos/verdict.ts';
import type { ProbeSpec } from '../../core/spec/kinds/chaos/probes.ts';
import type { ChaosExperimentSpec, Phase } from '../../core/spec/kinds/chaos-experiment.ts';

/**
 * What the engine needs from the world, as interfaces: a clock, the probes' numbers, the
 * built-in load, and (in providers/) the actions. The real ones talk to the stack; the
 * in-memory fakes (fakes/) let the engine's tests run a whole experiment in milliseconds.
 */

/** Seconds since the run started, and waits that a stop cuts short. */
export interface Clock {
  now(): number;
  /** Resolves true after `seconds`, or false as soon as `signal` aborts. */
  sleep(seconds: number, signal?: AbortSignal): Promise<boolean>;
  /** The wall clock, for the journal's timestamps. */
  date(): Date;
}

/** The number behind each probe (ProbeReader on the real stack). Never throws: failures are `error` readings. */
export interface ProbePort {
  /** Takes one sample of the sources that need sampling (the gateway's /metrics). */
  scrape(atMs: () => number): Promise<void>;
  /** The latest sample starts `phase`. */
  markPhase(phase: Phase): void;
  captureBaselines(probes: ProbeSpec[]): Promise<void>;
  read(probe: ProbeSpec, phase?: Phase): Promise<Reading>;
}

/** The built-in load while it runs: the traffic actions change it. */
export interface LoadControl {
  setShift(shift: Shift | undefined): void;
  /** Extra requests per second on the hot keys; 0 ends the burst. */
  setBurst(rate: number): void;
  stop(): Promise<LoadSummary>;
}

export type LoadSpec = NonNullable<ChaosExperimentSpec['load']>;

/** Starts the built-in load; `note` says what it prepared (e.g. a seeded feature store). */
export type LoadStarter = (spec: LoadSpec) => Promise<{ control: LoadControl; note?: string }>;

/** The real clock: performance.now() since construction, timers for sleeps. */
export class SystemClock implements Clock {
  private readonly t0 = performance.now();

  now(): number {
    return (performance.now() - this.t0) / 1000;
  }

  date(): Date {
    return new Date();
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (seconds <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onStop);
        resolve(true);
      }, seconds * 1000);
      const onStop = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal?.addEventListener('abort', onStop, { once: true });
    });
  }
}

/** The gateway's admin API as the chaos engine uses it (GatewayAdminClient, or a fake). */
export type GatewayAdminPort = Pick<
  GatewayAdminClient,
  'getWeights' | 'setWeights' | 'getFaults' | 'setFaults' | 'clearFaults'
>;
