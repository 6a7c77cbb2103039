import type { BatchingSetting } from '../../core/batching/adaptive.ts';

/** Triton's cumulative per-model counters the controller differences between intervals. */
export interface BatchingCounters {
  requests: number;
  executions: number;
  /** Sum of queue time over successful requests (ns) and their count. */
  queueNs: number;
  queueCount: number;
}

/** What the batching controller needs from a Triton: counters, the setting in force, a reload. */
export interface BatchingPort {
  counters(model: string): Promise<BatchingCounters>;
  setting(model: string): Promise<BatchingSetting>;
  apply(model: string, setting: BatchingSetting): Promise<void>;
}

/** In-memory Triton for unit tests: counters are set by the test, applies are recorded. */
export class FakeBatchingPort implements BatchingPort {
  readonly applied: { model: string; setting: BatchingSetting }[] = [];
  current: BatchingSetting;
  totals: BatchingCounters = { requests: 0, executions: 0, queueNs: 0, queueCount: 0 };
  constructor(current: BatchingSetting) {
    this.current = current;
  }
  async counters(): Promise<BatchingCounters> {
    return { ...this.totals };
  }
  async setting(): Promise<BatchingSetting> {
    return { ...this.current };
  }
  async apply(model: string, setting: BatchingSetting): Promise<void> {
    this.applied.push({ model, setting });
    this.current = { ...setting };
  }
}
