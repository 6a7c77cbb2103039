import type { LoadSummary } from '../../../core/chaos/journal.ts';
import type { Shift } from '../../../core/chaos/traffic.ts';
import type { Reading } from '../../../core/chaos/verdict.ts';
import { ACTIONS, type ActionSpec, type ActionType, revertOf } from '../../../core/spec/kinds/chaos/actions.ts';
import type { ProbeSpec } from '../../../core/spec/kinds/chaos/probes.ts';
import type { Phase } from '../../../core/spec/kinds/chaos-experiment.ts';
import type { Clock, LoadControl, LoadStarter, ProbePort } from '../ports.ts';
import { type ActionContext, type AnyActionProvider, provider } from '../providers/provider.ts';

/**
 * An in-memory system under test for the engine's tests: actions switch faults on and off
 * (a fault is on from an action that needs undoing until an action on the same target),
 * probes read numbers a script derives from what is on and the time, and the load only
 * records what it was told. Nothing here touches a process or the network.
 */
export class FakeSystem {
  /** The faults switched on, by what they act on (gateway, triton-process, ...). */
  readonly active = new Map<string, ActionType>();
  /** Every action acted, in order, with the time. */
  readonly acted: { at: number; action: ActionSpec }[] = [];
  /** Every probe read, with the time. */
  readonly reads: { at: number; probe: ProbeSpec; phase?: Phase }[] = [];
  readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  get faulty(): boolean {
    return this.active.size > 0;
  }

  apply(action: ActionSpec): void {
    this.acted.push({ at: this.clock.now(), action });
    const target = ACTIONS[action.type].target;
    if (revertOf(action)) this.active.set(target, action.type);
    else this.active.delete(target);
  }
}

export interface FakeProviderOptions {
  /** A refusal for this action, or undefined (default: every action passes). */
  refuse?: (action: ActionSpec) => string | undefined;
  /** Makes this action fail (throw) when it acts. */
  fail?: (action: ActionSpec) => string | undefined;
  /** Virtual seconds an action takes. */
  takes?: (action: ActionSpec) => number;
  /** The action types it carries (default: all). */
  types?: readonly ActionType[];
}

/** One provider for every action type, acting on the FakeSystem. */
export function fakeProvider(system: FakeSystem, options: FakeProviderOptions = {}): AnyActionProvider {
  return provider<ActionType>({
    backend: 'fake system',
    types: options.types ?? (Object.keys(ACTIONS) as ActionType[]),
    preflight: (action) => options.refuse?.(action),
    async act(action: ActionSpec, ctx: ActionContext) {
      const seconds = options.takes?.(action) ?? 0;
      if (seconds > 0) await system.clock.sleep(seconds, ctx.signal);
      const failure = options.fail?.(action);
      if (failure) throw new Error(failure);
      system.apply(action);
      return { detail: `fake ${action.type}` };
    },
  });
}

/** A probe's number as a function of the fake system and the time. */
export type ProbeScript = (probe: ProbeSpec, system: FakeSystem, phase: Phase | undefined) => Reading;

export class FakeProbes implements ProbePort {
  private readonly system: FakeSystem;
  private readonly script: ProbeScript;
  readonly marks: { at: number; phase: Phase }[] = [];
  scrapes = 0;

  constructor(system: FakeSystem, script: ProbeScript) {
    this.system = system;
    this.script = script;
  }

  async scrape(): Promise<void> {
    this.scrapes++;
  }

  markPhase(phase: Phase): void {
    this.marks.push({ at: this.system.clock.now(), phase });
  }

  async captureBaselines(): Promise<void> {}

  async read(probe: ProbeSpec, phase?: Phase): Promise<Reading> {
    this.system.reads.push({ at: this.system.clock.now(), probe, ...(phase ? { phase } : {}) });
    return this.script(probe, this.system, phase);
  }
}

/** A load that records the traffic actions and reports a fixed summary. */
export class FakeLoad implements LoadControl {
  readonly shifts: (Shift | undefined)[] = [];
  readonly bursts: number[] = [];
  started = 0;
  stopped = 0;

  readonly starter: LoadStarter = async () => {
    this.started++;
    return { control: this };
  };

  setShift(shift: Shift | undefined): void {
    this.shifts.push(shift);
  }

  setBurst(rate: number): void {
    this.bursts.push(rate);
  }

  async stop(): Promise<LoadSummary> {
    this.stopped++;
    return { rate: 0, sent: 0, answered: 0, failed: 0, dropped: 0, byServedBy: {} };
  }
}
