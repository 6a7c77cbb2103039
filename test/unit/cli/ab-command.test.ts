import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../src/adapters/process/ports.ts';
import { proportionSampleSize } from '../../../src/core/stats/sample-size.ts';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['src/cli/main.ts', 'ab', ...args], { encoding: 'utf8' });

describe('steadystate ab', () => {
  it('plan prints the fixed-horizon size and duration for the spec split (80/20)', () => {
    const out = JSON.parse(
      execFileSync(
        process.execPath,
        ['src/cli/main.ts', 'ab', 'plan', '--traffic', '50', '--baseline-rate', '0.01', '--mde', '0.005', '--json'],
        {
          encoding: 'utf8',
        },
      ),
    ) as {
      perArm: { control: number; treatment: number };
      total: number;
      expectedSeconds: number;
      split: string;
      playbookEstimationSize: number;
    };
    const expected = proportionSampleSize({
      baselineRate: 0.01,
      minimumEffect: 0.005,
      alpha: 0.05,
      power: 0.8,
      allocationRatio: 0.25,
      sides: 2,
    });
    expect(out.split).toBe('80/20');
    expect(out.perArm).toEqual({ control: expected.control, treatment: expected.treatment });
    expect(out.expectedSeconds).toBeCloseTo(Math.max(expected.control / 40, expected.treatment / 10), 6);
    expect(out.playbookEstimationSize).toBe(1522);
  });

  it.each([
    [
      [
        'evaluate',
        '--control-requests',
        '8000',
        '--control-errors',
        '80',
        '--treatment-requests',
        '2000',
        '--treatment-errors',
        '200',
        '--json',
      ],
      'rollback',
    ],
    [
      [
        'evaluate',
        '--control-requests',
        '8000',
        '--control-errors',
        '80',
        '--treatment-requests',
        '2000',
        '--treatment-errors',
        '22',
        '--json',
      ],
      'continue',
    ],
  ])('evaluate %j decides %s from counts', (args, decision) => {
    const r = cli(...args);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { decision: string }).decision).toBe(decision);
  });

  it.each([
    [['plan', '--traffic', '0'], /--traffic "0" must be a number above 0/],
    [['plan', '--traffic', '10', '--split', '80-20'], /split "80-20" must look like 80\/20/],
    [
      [
        'evaluate',
        '--control-requests',
        '10',
        '--control-errors',
        '11',
        '--treatment-requests',
        '10',
        '--treatment-errors',
        '0',
      ],
      /--control-errors \(11\) exceeds --control-requests \(10\)/,
    ],
    [['watch', '--once', '--gateway', 'http://127.0.0.1:1'], /rolling back needs the admin token/],
  ])('rejects %j with a message naming the value', (args, message) => {
    const r = spawnSync(process.execPath, ['src/cli/main.ts', 'ab', ...args], {
      encoding: 'utf8',
      env: { ...process.env, STEADYSTATE_ADMIN_TOKEN: '' },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('watch --once --dry-run against nothing reports no data, and exits cleanly', async () => {
    const port = await freePort();
    const r = cli('watch', '--once', '--dry-run', '--gateway', `http://127.0.0.1:${port}`, '--journal', '/dev/null');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/no_data: no data: cannot scrape http:\/\/127\.0\.0\.1:\d+\/metrics: ECONNREFUSED/);
  });
});
