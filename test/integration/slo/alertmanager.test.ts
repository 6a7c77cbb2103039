import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startAlertmanager } from '../../../src/adapters/process/alertmanager-server.ts';
import type { Daemon } from '../../../src/adapters/process/daemon.ts';
import { freePort } from '../../../src/adapters/process/ports.ts';

/**
 * The generated alerts/alertmanager.yml in a real Alertmanager 0.25: pages and tickets
 * reach their own receivers, a page inhibits the ticket of the same SLO and model (and
 * nothing else), notifications are grouped per SLO and model. Only the receiver URLs (a
 * local webhook) and the timings (1s instead of minutes) are changed for the test.
 */

interface Notification {
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: { labels: Record<string, string>; status: string }[];
}

const received: { path: string; body: Notification }[] = [];
let hook: Server;
let am: Daemon;

function testConfig(hookUrl: string): string {
  const config = parse(readFileSync('alerts/alertmanager.yml', 'utf8')) as {
    route: Record<string, unknown> & { routes: Record<string, unknown>[] };
    receivers: { name: string; webhook_configs: { url: string }[] }[];
  };
  for (const route of [config.route, ...config.route.routes]) {
    route.group_wait = '1s';
    route.group_interval = '1s';
  }
  for (const r of config.receivers) for (const w of r.webhook_configs) w.url = `${hookUrl}${new URL(w.url).pathname}`;
  return stringify(config);
}

beforeAll(async () => {
  const port = await freePort();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body) as Notification });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(port, '127.0.0.1', () => r()));
  am = await startAlertmanager({ config: testConfig(`http://127.0.0.1:${port}`) });
});

afterAll(async () => {
  await am?.stop();
  await new Promise((r) => hook?.close(r));
});

const ALERTS = [
  { alertname: 'SLOBurnRateFast', severity: 'page', burn_tier: 'fast', slo: 'fraud-availability', model: 'fraud' },
  { alertname: 'SLOBurnRateSlow', severity: 'ticket', burn_tier: 'slow', slo: 'fraud-availability', model: 'fraud' },
  { alertname: 'SLOBurnRateSlow', severity: 'ticket', burn_tier: 'slow', slo: 'fraud-latency', model: 'fraud' },
  { alertname: 'GatewayDown', severity: 'page', model: 'fraud' },
  { alertname: 'FallbackShareRising', severity: 'ticket', burn_tier: 'none', model: 'fraud' },
];

const delivered = (path: string) =>
  received
    .filter((r) => r.path === path)
    .flatMap((r) => r.body.alerts.map((a) => `${a.labels.alertname}/${a.labels.slo ?? '-'}`));

describe('the generated Alertmanager routing in Alertmanager 0.25', () => {
  it('routes pages and tickets apart and lets a page inhibit only its own SLO ticket', async () => {
    const res = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ALERTS.map((labels) => ({ labels, annotations: { summary: 'test' } }))),
    });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 20_000;
    const want = (p: string, n: number) => delivered(p).length >= n;
    while (!(want('/alerts/page', 2) && want('/alerts/ticket', 2)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    // A few more group intervals: the inhibited ticket must still not arrive.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(delivered('/alerts/page').sort()).toEqual(['GatewayDown/-', 'SLOBurnRateFast/fraud-availability']);
    expect(delivered('/alerts/ticket').sort()).toEqual(['FallbackShareRising/-', 'SLOBurnRateSlow/fraud-latency']);

    const alerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
      receivers: { name: string }[];
    }[];
    const inhibited = alerts.filter((a) => a.status.state === 'suppressed');
    expect(inhibited.map((a) => `${a.labels.alertname}/${a.labels.slo}`)).toEqual([
      'SLOBurnRateSlow/fraud-availability',
    ]);
    expect(inhibited[0]?.status.inhibitedBy.length).toBe(1);
  });

  it('groups notifications by alert, SLO and model', () => {
    const page = received.find((r) => r.path === '/alerts/page' && r.body.groupLabels.slo === 'fraud-availability');
    expect(page?.body.groupLabels).toEqual({ alertname: 'SLOBurnRateFast', slo: 'fraud-availability', model: 'fraud' });
    expect(page?.body.receiver).toBe('page');
  });
});
