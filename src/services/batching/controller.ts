import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AdaptiveBatchingLimits,
  type ControllerState,
  type Decision,
  decide,
  initialState,
} from '../../core/batching/adaptive.ts';
import type { BatchingCounters, BatchingPort } from './batching-port.ts';
import type { BatchingGauges } from './gauges.ts';

/**
 * The adaptive batching loop for one Triton model: every interval it differences Triton's
 * counters, asks the pure core (core/batching/adaptive.ts) for a decision, reloads the model
 * with the new max_batch_size / queue delay when the decision says so, and records every
 * decision in the journal (JSON Lines) and the gauges. A failed reload is journaled and the
 * state is not advanced, so the next interval tries again.
 */
export interface BatchingControllerOptions {
  model: string;
  limits: AdaptiveBatchingLimits;
  port: BatchingPort;
  /** JSON Lines file, one object per decision; omitted = no journal. */
  journal?: string;
  gauges?: BatchingGauges;
  log?: (line: string) => void;
  now?: () => number;
}

export class BatchingController {
  state: ControllerState | undefined;
  readonly decisions: (Decision & { time: string; applied?: boolean; error?: string })[] = [];
  private last: { counters: BatchingCounters; at: number } | undefined;
  private readonly o: BatchingControllerOptions;

  constructor(options: BatchingControllerOptions) {
    this.o = options;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  async start(): Promise<void> {
    const setting = await this.o.port.setting(this.o.model);
    this.state = initialState(setting);
    this.last = { counters: await this.o.port.counters(this.o.model), at: this.now() };
    this.o.gauges?.setting(this.o.model, setting);
    await this.write({ event: 'start', setting, limits: this.o.limits });
  }

  async tick(): Promise<Decision | undefined> {
    if (!this.state || !this.last) await this.start();
    const state = this.state as ControllerState;
    const last = this.last as { counters: BatchingCounters; at: number };
    const counters = await this.o.port.counters(this.o.model);
    const at = this.now();
    this.last = { counters, at };
    const requests = counters.requests - last.counters.requests;
    // A reload starts the model's statistics again: skip the interval that straddles it.
    if (requests < 0 || counters.executions < last.counters.executions) return undefined;
    const queueCount = counters.queueCount - last.counters.queueCount;
    const queueMs = queueCount > 0 ? (counters.queueNs - last.counters.queueNs) / queueCount / 1e6 : 0;
    const { state: next, decision } = decide(
      state,
      { requests, executions: counters.executions - last.counters.executions, queueMs, seconds: (at - last.at) / 1000 },
      this.o.limits,
    );
    this.o.gauges?.observed(this.o.model, decision, queueMs);
    const entry: Decision & { time: string; applied?: boolean; error?: string } = {
      ...decision,
      time: new Date(at).toISOString(),
    };
    if (decision.change) {
      try {
        await this.o.port.apply(this.o.model, decision.next);
        entry.applied = true;
        this.state = next;
        this.o.gauges?.setting(this.o.model, decision.next);
        this.o.gauges?.changed(this.o.model, decision.direction as 'raise' | 'lower');
        this.o.log?.(`${this.o.model}: ${decision.reason}`);
      } catch (error) {
        entry.applied = false;
        entry.error = (error as Error).message;
        this.o.log?.(`${this.o.model}: reload failed, will retry: ${entry.error}`);
      }
    } else {
      this.state = next;
    }
    this.decisions.push(entry);
    await this.write({ event: 'decision', ...entry });
    return decision;
  }

  /** Ticks every `intervalMs` until the signal aborts. */
  async run(intervalMs: number, signal?: AbortSignal): Promise<void> {
    if (!this.state) await this.start();
    while (!signal?.aborted) {
      try {
        await sleep(intervalMs, undefined, { signal });
      } catch {
        break;
      }
      await this.tick();
    }
    await this.write({ event: 'stop', setting: this.state?.setting });
  }

  private async write(entry: Record<string, unknown>): Promise<void> {
    if (!this.o.journal) return;
    await mkdir(dirname(this.o.journal), { recursive: true });
    await appendFile(
      this.o.journal,
      `${JSON.stringify({ time: new Date(this.now()).toISOString(), model: this.o.model, ...entry })}\n`,
    );
  }
}
