import { createServer, type Server } from 'node:http';
import type { PageRecord } from '../../core/report/types.ts';

/**
 * A local Alertmanager webhook receiver: records every notification (firing and resolved)
 * so the game day can compare the pages it received with the pages it expected.
 * Payload: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
export interface WebhookReceiver {
  url: string;
  pages: PageRecord[];
  close(): Promise<void>;
}

interface AlertmanagerWebhook {
  receiver?: string;
  alerts?: { status?: string; labels?: Record<string, string>; startsAt?: string }[];
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const pages: PageRecord[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      try {
        const payload = JSON.parse(body) as AlertmanagerWebhook;
        for (const alert of payload.alerts ?? []) {
          const labels = alert.labels ?? {};
          pages.push({
            atMs: Date.now(),
            alertname: labels.alertname ?? 'unknown',
            severity: labels.severity ?? 'none',
            status: alert.status === 'resolved' ? 'resolved' : 'firing',
            labels: { ...labels, receiver: payload.receiver ?? '' },
          });
        }
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end('expected an Alertmanager webhook JSON body');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}`,
    pages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
