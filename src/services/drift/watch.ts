import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { detectDrift } from '../../core/drift/detect.ts';
import type { DriftReport } from '../../core/drift/verdict.ts';
import type { WindowCounts } from '../../core/drift/window.ts';
import { createDriftGauges } from './gauges.ts';
import type { LoadedMonitor } from './monitor.ts';

export interface WatchOptions {
  monitor: LoadedMonitor;
  /** Produces the current window (Prometheus counters or a followed log). */
  source: () => Promise<WindowCounts>;
  intervalMs: number;
  /** Serve the gauges on http://host:port/metrics (0 = any free port). */
  port: number;
  host: string;
  signal: AbortSignal;
  /** Stop after this many evaluations (tests, `--once`). */
  maxEvaluations?: number;
  onReport?: (report: DriftReport) => void;
  onError?: (error: Error) => void;
}

export interface Watcher {
  /** The /metrics address actually bound. */
  url: string;
  server: Server;
  /** Resolves when the loop stops (signal, maxEvaluations); the server is closed by then. */
  done: Promise<void>;
}

/**
 * `drift watch`: evaluate the window every interval, publish the drift_* gauges on its own
 * /metrics, log each verdict. A failed fetch keeps the loop alive (the error is reported
 * and the gauges are cleared, so a stale verdict is never served as current).
 */
export async function startWatch(options: WatchOptions): Promise<Watcher> {
  const gauges = createDriftGauges();
  const server = createServer(async (req, res) => {
    if (req.url === '/metrics' || req.url?.startsWith('/metrics?')) {
      res.writeHead(200, { 'content-type': gauges.registry.contentType });
      res.end(await gauges.registry.metrics());
      return;
    }
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/healthz' ? 'ok\n' : 'not found; the gauges are on /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host}:${port}/metrics`;

  const done = (async () => {
    let evaluations = 0;
    try {
      while (!options.signal.aborted) {
        try {
          const window = await options.source();
          const { profile, settings, variantModels } = options.monitor;
          const report = detectDrift(profile, settings, window, variantModels);
          gauges.publish(report);
          options.onReport?.(report);
        } catch (error) {
          gauges.registry.resetMetrics();
          options.onError?.(error as Error);
        }
        evaluations++;
        if (options.maxEvaluations !== undefined && evaluations >= options.maxEvaluations) break;
        // An abort ends the wait early (AbortError); the loop's condition then stops it.
        await sleep(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  })();
  return { url, server, done };
}
