import { appendFileSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppendedLines } from '../../../../src/adapters/files/appended-lines.ts';
import { PredictionLogTail } from '../../../../src/adapters/labels/prediction-log-reader.ts';
import { PredictionLog } from '../../../../src/gateway/prediction-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'prediction-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (i: number) => ({
  ts: new Date(Date.UTC(2026, 11, 4, 12, 0, i)).toISOString(),
  request_id: `r${i}`,
  user_id: 'u',
  model: 'fraud',
  variant: 'v1',
  served_by: 'primary',
  score: 0.5,
  label: 0,
  features: { amount: 12.5 },
});
const line = (i: number) => `${JSON.stringify(entry(i))}\n`;
const LINE_BYTES = Buffer.byteLength(line(10));

describe('AppendedLines (tail -F of one JSONL file)', () => {
  it('returns only new complete lines; a torn line waits; a character cut by a read survives', () => {
    const file = join(dir, 'a.jsonl');
    writeFileSync(file, 'one\ntw');
    const tail = new AppendedLines(file);
    expect(tail.read().flatMap((c) => c.lines)).toEqual(['one']);
    appendFileSync(file, 'o\nthré');
    expect(tail.read().flatMap((c) => c.lines)).toEqual(['two']);
    appendFileSync(file, 'e\n');
    expect(tail.read().flatMap((c) => c.lines)).toEqual(['thrée']);
    expect(tail.read()).toEqual([]);
    tail.close();
  });

  it('drains the renamed file before reading its successor from the start, and restarts on truncation', () => {
    const file = join(dir, 'b.jsonl');
    writeFileSync(file, 'a\n');
    const tail = new AppendedLines(file);
    expect(tail.read().flatMap((c) => c.lines)).toEqual(['a']);
    appendFileSync(file, 'b\n'); // written just before the writer rotates
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'c\n');
    const chunks = tail.read();
    expect(chunks.map((c) => c.lines)).toEqual([['b'], ['c']]);
    expect(chunks[0]?.inode).not.toBe(chunks[1]?.inode);
    appendFileSync(file, 'cc\n');
    expect(tail.read().flatMap((c) => c.lines)).toEqual(['cc']);
    writeFileSync(file, 'd\n'); // truncated in place, below what was read
    expect(tail.read().flatMap((c) => c.lines)).toEqual(['d']);
    tail.close();
  });
});

describe('PredictionLogTail (the label service follows the prediction log)', () => {
  it('reads what the gateway appended since the last refresh, not the whole log again', () => {
    const path = join(dir, 'inc', 'predictions.jsonl');
    const log = new PredictionLog({ path, sampleRate: 1, maxBytes: 1_000_000, keepFiles: 2 });
    for (let i = 0; i < 5; i++) log.write(entry(i));
    return log.close().then(() => {
      const tail = new PredictionLogTail(path, 2);
      expect(tail.refresh().map((p) => p.request_id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      // Overwrite the lines already read with garbage of the same length: a reader that
      // rereads the file would now count 5 bad lines and lose r0..r4; the tail never looks back.
      writeFileSync(path, 'x'.repeat(statSync(path).size - 1) + '\n');
      appendFileSync(path, line(5));
      expect(tail.refresh().map((p) => p.request_id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
      expect(tail.badLines).toBe(0);
      expect(tail.has('r5')).toBe(true);
      tail.close();
    });
  });

  it('follows rotation: keeps the rotated files, forgets the one rotation deleted', async () => {
    const path = join(dir, 'rot', 'predictions.jsonl');
    // Two lines per file: the third write rotates.
    const log = new PredictionLog({ path, sampleRate: 1, maxBytes: 2 * LINE_BYTES, keepFiles: 1 });
    const tail = new PredictionLogTail(path, 1);
    log.write(entry(10));
    log.write(entry(11));
    await new Promise((r) => setTimeout(r, 20));
    expect(tail.refresh().map((p) => p.request_id)).toEqual(['r10', 'r11']);
    log.write(entry(12)); // rotates: r10, r11 now in .1
    await new Promise((r) => setTimeout(r, 20));
    expect(tail.refresh().map((p) => p.request_id)).toEqual(['r10', 'r11', 'r12']);
    log.write(entry(13));
    log.write(entry(14)); // rotates again: .1 (r10, r11) deleted, r12, r13 -> .1
    await log.close();
    expect(tail.refresh().map((p) => p.request_id)).toEqual(['r12', 'r13', 'r14']);
    expect(tail.has('r10')).toBe(false);
    // A fresh reader sees the same sample.
    const fresh = new PredictionLogTail(path, 1);
    expect(fresh.refresh().map((p) => p.request_id)).toEqual(['r12', 'r13', 'r14']);
    tail.close();
    fresh.close();
  });
});

describe('PredictionLog on disk stays bounded', () => {
  it('counts what a previous run left, so a gateway restarted in a loop still rotates at maxBytes', async () => {
    const path = join(dir, 'restart', 'predictions.jsonl');
    const maxBytes = 3 * LINE_BYTES;
    for (let start = 0; start < 4; start++) {
      const log = new PredictionLog({ path, sampleRate: 1, maxBytes, keepFiles: 1 });
      for (let i = 0; i < 2; i++) log.write(entry(10 + start * 2 + i));
      await log.close();
    }
    const files = readdirSync(join(dir, 'restart')).sort();
    expect(files).toEqual(['predictions.jsonl', 'predictions.jsonl.1']);
    for (const f of files) expect(statSync(join(dir, 'restart', f)).size).toBeLessThanOrEqual(maxBytes);
  });
});
