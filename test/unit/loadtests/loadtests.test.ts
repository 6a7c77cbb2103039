import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type K6SummaryData, loadtestVerdict, summaryOutputs } from '../../../loadtests/lib/summary.ts';
import { paths } from '../../../src/adapters/process/paths.ts';

const root = paths.root();
const SCRIPTS = ['smoke', 'steady', 'ramp', 'spike', 'soak', 'stampede'];

/** tsc over a project; k6 cannot run here (not packaged), so the types are the check we have. */
function tsc(project: string): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', project, '--pretty', 'false'],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 90_000,
    },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the k6 scripts', () => {
  it('type-check against @types/k6 (tsc -p loadtests), shared payload module included', () => {
    const { status, output } = tsc(join(root, 'loadtests'));
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('the check catches a misuse of the k6 API (so a green run means something)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steadystate-k6-'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: join(root, 'loadtests/tsconfig.json'), include: ['./*.ts'] }),
    );
    writeFileSync(
      join(dir, 'broken.ts'),
      [
        "import http from 'k6/http';",
        "import type { Options } from 'k6/options';",
        "export const options: Options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: 10 } } };",
        'export default function (): void {',
        "  http.post('http://127.0.0.1:8080/v1/predict', JSON.stringify({}), { timeout: true });",
        '}',
      ].join('\n'),
    );
    const { status, output } = tsc(dir);
    expect(status).not.toBe(0);
    expect(output).toMatch(/broken\.ts\(3,.*error TS\d+/); // the scenario misses duration and VUs
    expect(output).toMatch(/broken\.ts\(5,.*error TS\d+/); // timeout is a string or number
  });

  it.each(SCRIPTS)('%s.ts exports options, a default function and a handleSummary naming itself', (script) => {
    const text = readFileSync(join(root, 'loadtests', `${script}.ts`), 'utf8');
    expect(text).toMatch(/^export const options = optionsFor\(/m);
    expect(text).toMatch(/^export default function \(\): void \{/m);
    expect(text).toContain(`return summaryOutputs('${script}', data,`);
    expect(text).toMatch(/k6 run .*loadtests\/\w+\.ts/); // says how to run it
  });

  it('take their thresholds from loadtests/thresholds.ts (the SLOs), not from numbers of their own', () => {
    const options = readFileSync(join(root, 'loadtests/lib/options.ts'), 'utf8');
    expect(options).toContain("import { thresholds } from '../thresholds.ts';");
    for (const script of SCRIPTS) {
      const text = readFileSync(join(root, 'loadtests', `${script}.ts`), 'utf8');
      expect(text, script).not.toMatch(/p\(\d+\)\s*</);
      expect(text, script).not.toMatch(/rate\s*</);
    }
  });
});

/** The summary object as k6 hands it to handleSummary (docs: results-output/end-of-test/custom-summary). */
function k6Data(overrides: { ok?: boolean; primary?: number; cache?: number } = {}): K6SummaryData {
  return {
    root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] },
    options: {
      summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
      summaryTimeUnit: '',
      noColor: false,
    },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 600_125 },
    metrics: {
      http_reqs: { type: 'counter', contains: 'default', values: { count: 60_000, rate: 99.98 } },
      http_req_duration: {
        type: 'trend',
        contains: 'time',
        values: { avg: 21, min: 2, med: 14, max: 480, 'p(90)': 40, 'p(95)': 55, 'p(99)': 92.5 },
        thresholds: { 'p(99)<100': { ok: overrides.ok ?? true } },
      },
      http_req_failed: {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.0002, passes: 12, fails: 59_988 },
        thresholds: { 'rate<0.0005': { ok: true } },
      },
      good_answers: { type: 'rate', contains: 'default', values: { rate: 0.9997, passes: 59_982, fails: 18 } },
      served_by_primary: {
        type: 'counter',
        contains: 'default',
        values: { count: overrides.primary ?? 39_000, rate: 65 },
      },
      served_by_cache: { type: 'counter', contains: 'default', values: { count: overrides.cache ?? 21_000, rate: 35 } },
    },
  };
}

describe('handleSummary', () => {
  it('writes the verdict and the raw k6 data as JSON, and a short text to stdout', () => {
    const out = summaryOutputs('steady', k6Data(), 'reports/k6/');
    expect(Object.keys(out).sort()).toEqual(['reports/k6/k6-steady-summary.json', 'stdout']);
    const written = JSON.parse(out['reports/k6/k6-steady-summary.json'] as string);
    expect(written.verdict).toMatchObject({
      script: 'steady',
      passed: true,
      requests: 60_000,
      p99Ms: 92.5,
      failedRatio: 0.0002,
      goodRatio: 0.9997,
      durationSeconds: 600.125,
      servedByShare: { primary: 0.65, cache: 0.35 },
    });
    expect(written.k6.metrics.http_reqs.values.count).toBe(60_000);
    expect(out.stdout).toContain('steady: PASSED (2/2 thresholds)');
    expect(out.stdout).toContain('p99 92.5 ms');
  });

  it.each([
    [
      'a failed threshold fails the verdict and is named',
      k6Data({ ok: false }),
      false,
      /FAIL http_req_duration p\(99\)<100/,
    ],
    ['all thresholds ok pass', k6Data(), true, /ok {3}http_req_failed rate<0\.0005/],
  ])('%s', (_name, data, passed, line) => {
    const v = loadtestVerdict('ramp', data);
    expect(v.passed).toBe(passed);
    expect(summaryOutputs('ramp', data, '.').stdout).toMatch(line);
  });

  it('says "no data" for metrics k6 did not report, instead of 0', () => {
    const v = loadtestVerdict('smoke', { metrics: {} });
    expect(v).toMatchObject({ requests: null, p99Ms: null, failedRatio: null, servedByShare: {} });
    expect(summaryOutputs('smoke', { metrics: {} }, '.').stdout).toContain('p99 no data');
  });
});
