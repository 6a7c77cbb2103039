import type { Clock } from '../ports.ts';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

/**
 * A clock whose time moves only when everything else waits: `run(work)` lets every promise
 * chain settle, then jumps to the earliest pending sleep and wakes it. A whole experiment of
 * minutes runs in milliseconds, with the same ordering the real timers would give.
 */
export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private readonly epochMs: number;

  constructor(epochMs = Date.UTC(2026, 0, 1)) {
    this.epochMs = epochMs;
  }

  now(): number {
    return this.t;
  }

  date(): Date {
    return new Date(this.epochMs + this.t * 1000);
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (seconds <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer: Timer = {
        at: this.t + seconds,
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve(false);
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Drives `work` to its end in virtual time; throws if it still waits after `maxSteps` wake-ups. */
  async run<T>(work: Promise<T>, maxSteps = 1_000_000): Promise<T> {
    let settled = false;
    const done = work.finally(() => {
      settled = true;
    });
    done.catch(() => undefined);
    for (let step = 0; !settled; step++) {
      if (step > maxSteps) throw new Error(`virtual clock: still running after ${maxSteps} wake-ups`);
      // A macrotask turn: every promise chain that does not wait on time settles first.
      await new Promise((r) => setImmediate(r));
      if (settled || this.timers.length === 0) continue;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift() as Timer;
      this.t = Math.max(this.t, next.at);
      next.fire();
    }
    return done;
  }
}
