import { type ActionSpec, type ActionType, revertOf } from '../../../core/spec/kinds/chaos/actions.ts';
import type { BlastRadius } from '../../../core/spec/kinds/chaos/blast-radius.ts';
import type { ChaosExperimentSpec } from '../../../core/spec/kinds/chaos-experiment.ts';
import type { ChaosTargetSpec } from '../../../core/spec/kinds/chaos-target.ts';
import type { StackSpec } from '../../../core/spec/kinds/stack.ts';
import type { LoadControl } from '../ports.ts';

/**
 * An action provider: one backend (a process, Triton's model control, the gateway's admin
 * API, Redis, Prometheus, the built-in load, Kubernetes) and the action types it carries.
 * `preflight` only reads and returns a refusal naming the fix; `act` does it; `revert`
 * names the action that undoes it (run after a step's duration). Adding an action is adding
 * its schema row, its catalog row (core/spec/kinds/chaos/actions.ts) and one provider.
 */
export type ActionOf<T extends ActionType> = Extract<ActionSpec, { type: T }>;

export interface ActionContext {
  spec: ChaosExperimentSpec;
  stack: StackSpec;
  target: ChaosTargetSpec;
  /** The ChaosTarget's ceilings, narrowed by the experiment. */
  limits: BlastRadius;
  defaultModel: string;
  /** The experiment's built-in load runs (not --no-load). */
  builtInLoad: boolean;
  /** The built-in load, once it runs. */
  load(): LoadControl | undefined;
  /** Aborts when the run stops (interrupt, abort condition, error): long waits end early. */
  signal: AbortSignal;
}

export interface ActionResult {
  detail: string;
  /** Seconds the action measured itself (pod-delete: until the replacements were Ready). */
  measuredSeconds?: number;
}

export interface ActionProvider<T extends ActionType = ActionType> {
  /** The backend, for messages: "gateway admin API", "redis", ... */
  readonly backend: string;
  readonly types: readonly T[];
  /** Reads what must be known before anything changes (weights as found, command lines). */
  prepare?(ctx: ActionContext): Promise<void>;
  preflight(action: ActionOf<T>, ctx: ActionContext): Promise<string | undefined> | string | undefined;
  act(action: ActionOf<T>, ctx: ActionContext): Promise<ActionResult>;
  revert(action: ActionOf<T>): ActionSpec | undefined;
}

/** A provider whose revert is the catalog's inverse (the usual case). */
export function provider<T extends ActionType>(
  p: Omit<ActionProvider<T>, 'revert'> & Partial<Pick<ActionProvider<T>, 'revert'>>,
): ActionProvider<T> {
  return { revert: (action) => revertOf(action), ...p };
}

/** A provider of any action types (a list of them holds several). */
// biome-ignore lint/suspicious/noExplicitAny: each provider is typed by its own action types; the registry routes by type
export type AnyActionProvider = ActionProvider<any>;

/** Providers by action type; one provider per type. */
export class ActionRegistry {
  private readonly byType = new Map<ActionType, ActionProvider>();
  private readonly providers: ActionProvider[] = [];

  constructor(providers: readonly AnyActionProvider[] = []) {
    for (const p of providers) this.register(p);
  }

  register<T extends ActionType>(p: ActionProvider<T>): this {
    for (const type of p.types) {
      const taken = this.byType.get(type);
      if (taken) throw new Error(`action ${type} has two providers: ${taken.backend} and ${p.backend}`);
      this.byType.set(type, p as unknown as ActionProvider);
    }
    this.providers.push(p as unknown as ActionProvider);
    return this;
  }

  types(): ActionType[] {
    return [...this.byType.keys()];
  }

  backendOf(action: ActionSpec): string | undefined {
    return this.byType.get(action.type)?.backend;
  }

  async prepare(ctx: ActionContext): Promise<void> {
    for (const p of this.providers) await p.prepare?.(ctx);
  }

  async preflight(action: ActionSpec, ctx: ActionContext): Promise<string | undefined> {
    const p = this.byType.get(action.type);
    if (!p) return `no provider carries ${action.type} here`;
    return p.preflight(action, ctx);
  }

  act(action: ActionSpec, ctx: ActionContext): Promise<ActionResult> {
    const p = this.byType.get(action.type);
    if (!p) return Promise.reject(new Error(`no provider carries ${action.type} here`));
    return p.act(action, ctx);
  }

  revert(action: ActionSpec): ActionSpec | undefined {
    return this.byType.get(action.type)?.revert(action) ?? undefined;
  }
}
