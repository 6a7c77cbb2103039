import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { paths } from '../../src/adapters/process/paths.ts';
import type { GameDayResult } from '../../src/core/report/types.ts';

const run = promisify(execFile);

/** `steadystate gameday --quick` through the real CLI, as the README's main command runs it. */
async function gameday(extra: string[]): Promise<{ code: number; stdout: string; dir: string; result: GameDayResult }> {
  const reports = mkdtempSync(join(tmpdir(), 'steadystate-gameday-'));
  let code = 0;
  let stdout = '';
  try {
    const out = await run(
      process.execPath,
      [join(paths.root(), 'src/cli/main.ts'), 'gameday', '--quick', '--reports', reports, ...extra],
      {
        cwd: paths.root(),
        timeout: 360_000,
        maxBuffer: 20_000_000,
      },
    );
    stdout = out.stdout;
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    code = typeof e.code === 'number' ? e.code : -1;
    stdout = e.stdout ?? '';
  }
  const dir = join(reports, readdirSync(reports)[0] as string);
  const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as GameDayResult;
  return { code, stdout, dir, result };
}

describe('steadystate gameday --quick (real Triton, gateway, Redis, Prometheus, Alertmanager, Pushgateway)', () => {
  it('passes on the healthy stack: every hypothesis held, the expected pages arrived, the report is written', async () => {
    const { code, stdout, dir, result } = await gameday([]);
    expect(stdout).toMatch(/game day: PASSED/);
    expect(code).toBe(0);
    expect(result.experiments.map((e) => [e.name, e.verdict])).toEqual([
      ['gpu-server-crash', 'held'],
      ['latency-500ms', 'held'],
      ['model-drift-traffic', 'held'],
      ['ab-variant-failure', 'held'],
      ['late-labels', 'held'],
    ]);
    // The labels, delivered late, caught the model gone wrong on the short window.
    const labels = result.experiments.find((e) => e.name === 'late-labels');
    expect(labels?.detectionSeconds).toBeLessThanOrEqual(20);
    expect(labels?.explanation.join('\n')).toMatch(/caught on the 20s window: v1: .* degraded \(floor 0\.164\)/);
    const crash = result.experiments.find((e) => e.name === 'gpu-server-crash');
    expect(crash?.pagesReceived).toContain('SLOBurnRateFast');
    expect(result.abDecisions.some((d) => d.decision === 'rollback')).toBe(true);
    expect(result.drift.length).toBeGreaterThan(0);
    expect(result.load.sent).toBeGreaterThan(1_000);
    for (const f of ['report.html', 'summary.md', 'journal.json', 'junit.xml']) {
      expect(readFileSync(join(dir, f), 'utf8').length).toBeGreaterThan(100);
    }
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testsuite[^>]*failures="0"/);
  }, 400_000);

  it('fails with the fallback tiers switched off, and the report names the hypotheses that deviated', async () => {
    const { code, stdout, result } = await gameday(['--no-fallbacks']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/game day: FAILED/);
    const crash = result.experiments.find((e) => e.name === 'gpu-server-crash');
    expect(crash?.verdict).not.toBe('held');
    const summary = stdout.split('\n').filter((l) => l.includes('gpu-server-crash'));
    expect(summary.join('\n')).toMatch(/deviated|aborted/);
  }, 400_000);
});
