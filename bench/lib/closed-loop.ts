import { quantileSorted } from 'simple-statistics';

export interface ClosedLoopResult {
  /** Successful requests. */
  completed: number;
  errors: number;
  /** The first error message seen, so a failing run says why. */
  firstError: string | undefined;
  seconds: number;
  throughputRps: number;
  p50Ms: number;
  p99Ms: number;
  /** The slowest answer: where batcher stalls on bursts show. */
  maxMs: number;
}

/**
 * A closed-loop load: `concurrency` workers each send one request, wait for the answer, send
 * the next, until `durationMs` has passed (or `maxRequests`, a safety bound). Latency is the
 * time until the client had an answer, errors included (a request Triton rejected after waiting
 * in its queue is part of the tail, not removed from it); errors are also counted apart.
 * Closed loop = a fixed in-flight count, which is what the dynamic batcher sees.
 */
export async function runClosedLoop(options: {
  concurrency: number;
  durationMs: number;
  maxRequests?: number;
  send: () => Promise<unknown>;
}): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  const maxRequests = options.maxRequests ?? 10_000_000;
  const begin = performance.now();
  const end = begin + options.durationMs;
  const worker = async () => {
    while (performance.now() < end && started < maxRequests) {
      started++;
      const t0 = performance.now();
      try {
        await options.send();
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - begin) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    completed: sorted.length - errors,
    errors,
    firstError,
    seconds,
    /** Successful answers per second. */
    throughputRps: (sorted.length - errors) / seconds,
    p50Ms: sorted.length ? quantileSorted(sorted, 0.5) : Number.NaN,
    p99Ms: sorted.length ? quantileSorted(sorted, 0.99) : Number.NaN,
    maxMs: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
  };
}
