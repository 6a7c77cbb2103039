import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['src/cli/main.ts', 'drift', 'skew', ...args], { encoding: 'utf8' });

describe('steadystate drift skew: offline source', () => {
  it('refuses both --offline and --feast-data, and neither, naming the two options', () => {
    for (const args of [
      ['--log', 'x.jsonl', '--offline', 'o.csv', '--feast-data', 'serving/data/feast'],
      ['--log', 'x.jsonl'],
    ]) {
      const r = cli(...args);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/exactly one of --offline <csv> and --feast-data <dir>/);
    }
  });
});
