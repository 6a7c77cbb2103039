import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * Serves the controller's registry on /metrics (for Prometheus to scrape the abtest_*
 * gauges) and the last verdict as JSON on /verdict. Loopback by default.
 */
export async function startMetricsServer(options: {
  registry: Registry;
  port: number;
  host?: string;
  verdict: () => unknown;
}): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      options.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(text);
        })
        .catch((error: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(error.message);
        });
      return;
    }
    if (req.method === 'GET' && path === '/verdict') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(options.verdict() ?? null));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics or /verdict\n');
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
