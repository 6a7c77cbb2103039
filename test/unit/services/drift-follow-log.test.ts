import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogFollower } from '../../../src/services/drift/follow-log.ts';
import { referenceProfile } from '../core/drift/fixtures/synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'follow-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const profile = {
  ...referenceProfile(5_000, 6),
  predictions: { model_a: { threshold: 0.5, n: 100, counts: { '0': 98, '1': 2 } } },
};
const line = (i: number, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ request_id: `r${i}`, user_id: `u${i}`, features: { score_like: 0.1, channel: 'pos' }, score: i % 2 ? 0.9 : 0.1, variant: 'v1', served_by: 'primary', ...extra })}\n`;

describe('following a gateway prediction log (the embedded path of drift watch)', () => {
  it('counts appended lines into time buckets and forgets those older than the window', () => {
    const file = join(dir, 'predictions.jsonl');
    writeFileSync(file, line(1) + line(2));
    const follower = new LogFollower(file, profile, { v1: 'model_a' }, 60_000);
    let window = follower.poll(1_000);
    expect(window.features.score_like).toEqual({ b05: 2 });
    expect(window.predictions.v1).toEqual({ '1': 1, '0': 1 });

    // a half-written line waits for its end; a line served without a model is not a prediction
    appendFileSync(file, `${line(3, { served_by: 'default' })}{"request_id":"r4",`);
    window = follower.poll(30_000);
    expect(window.features.score_like).toEqual({ b05: 3 });
    expect(window.predictions.v1).toEqual({ '1': 1, '0': 1 });
    appendFileSync(file, `"features":{"score_like":5},"score":0.9,"variant":"v1"}\nnot json\n`);
    window = follower.poll(45_000);
    expect(window.features.score_like).toEqual({ b05: 3, gt_max: 1 });
    expect(follower.badLines).toBe(1);

    // the first bucket (t = 1 s) leaves the 60 s window at t = 61 s
    window = follower.poll(61_500);
    expect(window.features.score_like).toEqual({ b05: 1, gt_max: 1 });
  });

  it('starts over when the log is truncated (rotated)', () => {
    const file = join(dir, 'rotated.jsonl');
    writeFileSync(file, line(1) + line(2) + line(3));
    const follower = new LogFollower(file, profile, {}, 60_000);
    follower.poll(0);
    writeFileSync(file, line(9));
    expect(follower.poll(1_000).features.score_like).toEqual({ b05: 4 });
  });
});
