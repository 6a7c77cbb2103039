import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../src/adapters/process/ports.ts';

const FIXTURES = 'test/unit/core/cost/fixtures';
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['src/cli/main.ts', 'cost', 'report', ...args], { encoding: 'utf8' });
const recorded = [
  '--metrics-file',
  `${FIXTURES}/triton-metrics.txt`,
  '--metrics-file',
  `${FIXTURES}/gateway-metrics.txt`,
];

describe('steadystate cost report', () => {
  it('prints the table with tiers, teams and packing from recorded counters', () => {
    const r = cli('--from', '2026-12-04T16:00:00Z', '--to', '2026-12-04T17:00:00Z', ...recorded);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/risk\s+fraud\s+220\s+0\.259\s+0\.00007238\s+0\.0625\s+0\.06288\s+0\.06288\s+0\.2858/);
    expect(r.stdout).toMatch(/fraud\s+cache\s+60\s+0\s+0\n/);
    expect(r.stdout).toMatch(/fraud\s+fallback_model\s+40\s+0\.00001622\s+0\.0004054/);
    expect(r.stdout).toMatch(/packing: 3 GPU\(s\) one model per GPU -> 1 packed; saves 1469\.77 USD\/month/);
  });

  it('writes a chargeback CSV, one row per model', () => {
    const r = cli('--from', '0', '--to', '3600', '--csv', ...recorded);
    expect(r.status).toBe(0);
    const [header, row, extra] = r.stdout.trim().split('\n');
    expect(header).toBe(
      'team,model,from,to,currency,predictions,gpu_seconds,compute_cost,memory_share,memory_cost,charged_cost,cost_per_1000',
    );
    expect(row).toBe(
      'risk,fraud,1970-01-01T00:00:00.000Z,1970-01-01T01:00:00.000Z,USD,220,0.259003,0.000072,0.062500,0.062875,0.062875,0.285795',
    );
    expect(extra).toBeUndefined();
  });

  it('says the window is empty (exit 3) when the counters did not move', () => {
    const r = cli(
      '--from',
      '0',
      '--to',
      '60',
      ...recorded,
      '--baseline-file',
      `${FIXTURES}/triton-metrics.txt`,
      '--baseline-file',
      `${FIXTURES}/gateway-metrics.txt`,
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/nothing was served from 1970-01-01T00:00:00.000Z to 1970-01-01T00:01:00.000Z/);
  });

  it('exits 2 naming the URL when Prometheus is unreachable', async () => {
    const port = await freePort();
    const r = cli('--from', '0', '--to', '60', '--prometheus', `http://127.0.0.1:${port}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`cannot reach Prometheus at http://127.0.0.1:${port}.*is it running`));
  });

  it('reads increase() over the window from Prometheus at --to', async () => {
    const queries: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const params = new URLSearchParams(body);
        const query = params.get('query') ?? '';
        queries.push(`${params.get('time')} ${query}`);
        const vector = (metric: Record<string, string>, v: number) => [{ metric, value: [3600, String(v)] }];
        let result: unknown[] = [];
        if (query.includes('nv_inference_compute_infer')) result = vector({ model: 'fraud_v1' }, 3_600_000);
        else if (query.includes('nv_inference_request_success['))
          result = query.startsWith('count') ? vector({}, 2) : vector({ model: 'fraud_v1' }, 100);
        else if (query.includes('nv_inference_exec_count')) result = vector({ model: 'fraud_v1' }, 100);
        else if (query.includes('inference_requests_total'))
          result = vector({ model: 'fraud', served_by: 'primary' }, 1000);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const r = await new Promise<ReturnType<typeof cli>>((resolve) => {
        // Run off the event loop's thread so the stand-in Prometheus can answer.
        import('node:child_process').then(({ spawn }) => {
          const p = spawn(process.execPath, [
            'src/cli/main.ts',
            'cost',
            'report',
            '--from',
            '0',
            '--to',
            '3600',
            '--csv',
            '--prometheus',
            `http://127.0.0.1:${port}`,
          ]);
          let stdout = '';
          let stderr = '';
          p.stdout.on('data', (d) => {
            stdout += d;
          });
          p.stderr.on('data', (d) => {
            stderr += d;
          });
          p.on('close', (status) => resolve({ status, stdout, stderr } as ReturnType<typeof cli>));
        });
      });
      expect(r.stderr).toBe('');
      expect(queries).toContain('3600 sum by (model) (increase(nv_inference_compute_infer_duration_us[3600s]))');
      // 3.6 s of fraud_v1 GPU time; memory 512Mi + 768Mi + 256Mi of 24Gi (0.0625) on 2 replicas for an hour: 0.03125 × 2 × 1.006.
      expect(r.stdout.split('\n')[1]).toBe(
        'risk,fraud,1970-01-01T00:00:00.000Z,1970-01-01T01:00:00.000Z,USD,1000,3.600000,0.001006,0.062500,0.125750,0.125750,0.125750',
      );
    } finally {
      server.close();
    }
  });
});
