import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { paths } from '../../../../src/adapters/process/paths.ts';

/**
 * Runs a Python snippet in the reference venv (.venv-peers: scipy, gbstats) on JSON input
 * and returns what it prints as JSON. The snippet reads `data` and must set `result`.
 * Missing peers are an error, never a skip: these cross-checks are the point of the tests.
 */
export function runPeer<T>(snippet: string, data: unknown): T {
  const python = paths.peersPython();
  if (!existsSync(python)) {
    throw new Error(`${python} is missing; create it with scripts/setup.sh (reference statistics venv)`);
  }
  const program = `import json, sys, math\ndata = json.load(sys.stdin)\n${snippet}\nprint(json.dumps(result, allow_nan=True))\n`;
  const out = execFileSync(python, ['-c', program], { input: JSON.stringify(data), encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(
    out.replace(/\bNaN\b/g, 'null').replace(/-?Infinity/g, (m) => (m.startsWith('-') ? '-1e999' : '1e999')),
  ) as T;
}

/** |actual - expected| <= tol * max(1, |expected|): relative for large values, absolute near zero. */
export function closeTo(actual: number, expected: number, tol: number): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}
