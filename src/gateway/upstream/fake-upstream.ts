import { setTimeout as sleep } from 'node:timers/promises';
import { type Upstream, UpstreamError } from './upstream.ts';

/** What one call to a FakeUpstream does: answer (after an optional delay) or fail with a reason. */
export type FakeCall =
  | { kind: 'answer'; delayMs?: number }
  | { kind: 'fail'; reason: UpstreamError['reason']; delayMs?: number };

/**
 * An in-memory Upstream for the fallback chain's tests (and anything else that needs a model
 * without Triton): scores are a pure function of the row, calls follow a script, and it keeps
 * the real upstream's deadline contract: a call that would outlast `timeoutMs` rejects with
 * UpstreamError('timeout') at `timeoutMs`.
 */
export class FakeUpstream implements Upstream {
  readonly model: string;
  readonly variant: string;
  readonly tritonModel: string;
  /** Every call, in order, with the time budget the caller gave it. */
  readonly calls: { rows: number[][]; timeoutMs: number }[] = [];
  private readonly score: (row: number[]) => number;
  private readonly script: FakeCall[] = [];
  private otherwise: FakeCall = { kind: 'answer' };

  constructor(opts: { model?: string; variant: string; tritonModel: string; score?: (row: number[]) => number }) {
    this.model = opts.model ?? 'fraud';
    this.variant = opts.variant;
    this.tritonModel = opts.tritonModel;
    this.score = opts.score ?? ((row) => row.reduce((s, v) => s + v, 0) / (100 + row.length));
  }

  /** Queues calls to play in order; `always` is what every later call does. */
  play(...calls: FakeCall[]): this {
    this.script.push(...calls);
    return this;
  }

  always(call: FakeCall): this {
    this.otherwise = call;
    return this;
  }

  scoresOf(rows: number[][]): number[] {
    return rows.map((r) => this.score(r));
  }

  async infer(rows: number[][], timeoutMs: number): Promise<number[]> {
    this.calls.push({ rows, timeoutMs });
    const call = this.script.shift() ?? this.otherwise;
    const delay = call.delayMs ?? 0;
    if (delay > 0) {
      await sleep(Math.min(delay, Math.max(0, timeoutMs)));
      if (delay > timeoutMs)
        throw new UpstreamError('timeout', `${this.tritonModel}: no answer within ${Math.round(timeoutMs)} ms`);
    }
    if (call.kind === 'fail') throw new UpstreamError(call.reason, `${this.tritonModel}: scripted ${call.reason}`);
    return this.scoresOf(rows);
  }
}
