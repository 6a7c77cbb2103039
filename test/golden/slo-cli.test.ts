import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promtoolCheckRules, promtoolTestRules } from '../../src/adapters/process/promtool.ts';

/**
 * Golden files through the real CLI: test/golden/slo/spec.yaml in, alerts/ and loadtests/
 * out, compared byte for byte with test/golden/slo/expected/. After an intended change:
 * UPDATE_GOLDEN=1 npx vitest run test/golden/slo-cli.test.ts, then review the diff.
 */

const SPEC = 'test/golden/slo/spec.yaml';
const EXPECTED = 'test/golden/slo/expected';
const update = process.env.UPDATE_GOLDEN === '1';

function cli(args: string[]): string {
  return execFileSync(process.execPath, ['src/cli/main.ts', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
  );
}

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'steadystate-golden-'));
  cli(['gen', '--spec', SPEC, '--out', out]);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

function golden(name: string, actual: string): void {
  const file = join(EXPECTED, name);
  if (update) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('steadystate gen on the golden spec', () => {
  const generated = () =>
    walk(out)
      .map((f) => relative(out, f))
      .filter((f) => f.startsWith('alerts/') || f.startsWith('loadtests/'))
      .sort();

  it('writes exactly the expected files', () => {
    const expected = existsSync(EXPECTED)
      ? walk(EXPECTED)
          .map((f) => relative(EXPECTED, f))
          .filter((f) => f.startsWith('alerts/') || f.startsWith('loadtests/'))
          .sort()
      : [];
    if (!update) expect(generated()).toEqual(expected);
  });

  it('matches every golden file byte for byte', () => {
    for (const f of generated()) golden(f, readFileSync(join(out, f), 'utf8'));
  });

  it('scales the burn factors to 28 days and groups per variant', () => {
    const rules = readFileSync(join(out, 'alerts/slo-fraud-variant-availability.rules.yml'), 'utf8');
    expect(rules).toContain('> 13.44');
    expect(rules).toContain('> 5.6');
    expect(rules).toContain('sum by (variant) (rate(inference_requests_total');
    expect(rules).toContain('runbook_url: https://git.example.com/steadystate/blob/main/alerts/RUNBOOK.md#sloburnratefast');
  });

  it('generates rules that promtool accepts and suites that pass', async () => {
    const rules = walk(join(out, 'alerts')).filter((f) => f.endsWith('.rules.yml'));
    expect((await promtoolCheckRules(rules)).ok).toBe(true);
    const suites = walk(join(out, 'alerts', 'tests'));
    const result = await promtoolTestRules(suites);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.ok).toBe(true);
  }, 120_000);
});

describe('k6 thresholds', () => {
  it('type-check against @types/k6 (Options["thresholds"]), here and in the project', () => {
    for (const file of [join(out, 'loadtests', 'thresholds.ts'), 'loadtests/thresholds.ts']) {
      const tsc = join('node_modules', 'typescript', 'bin', 'tsc');
      const args = ['--noEmit', '--strict', '--types', 'k6', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
      execFileSync(process.execPath, [tsc, ...args, '--target', 'es2022', '--skipLibCheck', '--typeRoots', 'node_modules/@types', file], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }
  });

  it('carry the SLOs of the project spec: p(99)<100, p(99)<500 and rate<0.0005', () => {
    const json = JSON.parse(readFileSync('loadtests/thresholds.json', 'utf8')) as { thresholds: Record<string, string[]> };
    expect(json.thresholds).toEqual({ http_req_failed: ['rate<0.0005'], http_req_duration: ['p(99)<100', 'p(99)<500'] });
  });
});

describe('slo subcommands on the golden spec', () => {
  it.each([
    ['slo validate --json', ['slo', 'validate', '--json', '--spec', SPEC], 'validate.json'],
    ['slo export (OpenSLO v1)', ['slo', 'export', '--spec', SPEC], 'openslo.yaml'],
  ])('%s', (_name, args, file) => {
    golden(file, cli(args));
  });

  it('imports its own OpenSLO export back into the same SLO', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steadystate-openslo-'));
    try {
      writeFileSync(join(dir, 'openslo.yaml'), cli(['slo', 'export', '--spec', SPEC]));
      const imported = cli(['slo', 'import', join(dir, 'openslo.yaml')]);
      expect(imported).toContain('kind: SLO');
      expect(imported).toContain('objective: 0.999');
      expect(imported).toContain('period: 28d');
      expect(imported).toMatch(/groupBy:\n\s+- variant/);
      expect(imported).toContain('bad: inference_requests_total{model="fraud", served_by!~"primary|cache"}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails validation of a bad spec with the field named and exit code 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steadystate-bad-'));
    try {
      const bad = readFileSync(SPEC, 'utf8').replace('objective: 0.999', 'objective: 99.9');
      writeFileSync(join(dir, 'spec.yaml'), bad);
      let status = 0;
      let stderr = '';
      try {
        cli(['slo', 'validate', '--spec', join(dir, 'spec.yaml')]);
      } catch (error) {
        status = (error as { status: number }).status;
        stderr = String((error as { stderr: string }).stderr);
      }
      expect(status).toBe(1);
      expect(stderr).toMatch(/\(SLO fraud-variant-availability\) spec\.objective: objective 99\.9 is not a ratio; write 0\.999/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
