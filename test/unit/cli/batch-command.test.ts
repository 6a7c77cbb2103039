import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Bad input is refused before Triton is contacted: these run without one (the URL goes nowhere).
const score = (...args: string[]) =>
  spawnSync(process.execPath, ['src/cli/main.ts', 'batch', 'score', '--triton-url', 'http://127.0.0.1:9', ...args], {
    encoding: 'utf8',
  });

const dir = mkdtempSync(join(tmpdir(), 'steadystate-batch-cli-'));
const lines = readFileSync('serving/data/test.csv', 'utf8').split('\n').slice(0, 30);
const dataset = join(dir, 'rows.csv');
writeFileSync(dataset, `${lines.join('\n')}\n`);

describe('steadystate batch score: refusals, exit 2, nothing written', () => {
  it('a spec field on the command line that is not valid names the field', () => {
    const r = score('--input', dataset, '--output', join(dir, 'o1'), '--notice', '3s');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/spec.notice: notice 3s is too short to write a checkpoint/);
  });

  it('a dataset without a column the model takes', () => {
    const noChannel = join(dir, 'no-channel.csv');
    writeFileSync(
      noChannel,
      lines
        .map((l) =>
          l
            .split(',')
            .filter((_, i) => i !== 12)
            .join(','),
        )
        .join('\n'),
    );
    const r = score('--input', noChannel, '--output', join(dir, 'o2'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no-channel.csv does not match the feature schema .* no column "channel"/);
    expect(r.stderr).toMatch(/Export the columns the model takes/);
  });

  it('a corrupt checkpoint pointer names the object and how to start over; it is left as it was', () => {
    const out = join(dir, 'o3');
    mkdirSync(join(out, 'checkpoints'), { recursive: true });
    writeFileSync(join(out, 'checkpoints', 'LATEST.json'), '{"version":1,');
    const r = score('--input', dataset, '--output', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/o3\/checkpoints\/LATEST.json is not JSON .*to start over, delete .*o3\/checkpoints\//);
    expect(readFileSync(join(out, 'checkpoints', 'LATEST.json'), 'utf8')).toBe('{"version":1,');
  });
});
