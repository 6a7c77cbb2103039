import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/adapters/process/paths.ts';
import { mulberry32 } from '../../src/core/random/mulberry32.ts';
import { PredictionLog } from '../../src/gateway/prediction-log.ts';
import { type LateLabelsSettings, lateLabelsPhase } from '../../src/services/gameday/late-labels-phase.ts';
import { TruthLedger } from '../../src/services/gameday/truth-ledger.ts';
import { editIn } from '../unit/core/spec-fixtures.ts';

/**
 * The game day's late-labels phase against the real label service (HTTP on loopback) and the
 * gateway's real PredictionLog, with the gateway itself stood in for by a loop that answers
 * 100 requests/s: `informative` scores follow the truth (a model that is right), otherwise
 * they are noise (a model that was wrong all along).
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runPhase(informative: boolean, settings: LateLabelsSettings) {
  const dir = mkdtempSync(join(tmpdir(), 'late-labels-'));
  dirs.push(dir);
  const logPath = join(dir, 'predictions.jsonl');
  const specFile = join(dir, 'steadystate.yaml');
  writeFileSync(
    specFile,
    editIn(
      'Stack',
      /path: \.steadystate\/predictions\.jsonl\n(\s+)sampleRate: 0\.01/,
      `path: ${logPath}\n$1sampleRate: 1`,
    ),
  );
  const log = new PredictionLog({ path: logPath, sampleRate: 1, maxBytes: 50_000_000, keepFiles: 1 });
  const ledger = new TruthLedger();
  const random = mulberry32(9);
  const serve = setInterval(() => {
    // The model sees the transaction (its fraud pattern), never the ledger's truth.
    const stamped = ledger.stamp({ userId: 'u', features: {}, kind: 'fresh', fraudLike: random() < 0.05 });
    const score = informative ? (stamped.fraudLike ? 0.6 + 0.4 * random() : 0.7 * random()) : random();
    log.write({
      ts: new Date().toISOString(),
      request_id: stamped.requestId as string,
      user_id: 'u',
      model: 'fraud',
      variant: 'v1',
      served_by: 'primary',
      score,
      label: score >= 0.5 ? 1 : 0,
      features: {},
    });
  }, 10);
  const startedAtMs = Date.now();
  try {
    await sleep(6_000); // healthy traffic before the phase
    return await lateLabelsPhase({
      specFile,
      root: paths.root(),
      runDir: dir,
      ledger,
      startedAtMs,
      settings,
      log: () => {},
    });
  } finally {
    clearInterval(serve);
    await log.close();
  }
}

const FAST: LateLabelsSettings = { delaySeconds: 1, windowSeconds: 10, timeoutSeconds: 15, targetSeconds: 10 };

describe('game day: late labels catch a model gone wrong', () => {
  it('labels of the run so far say ok; after the world changes, the short window says degraded within the target', async () => {
    const { outcome, report } = await runPhase(true, FAST);
    expect(outcome.explanation[0]).toMatch(
      /^the run so far .*: \d+ labels delivered 1 s late .*v1: .* ok \(floor 0\.164\)/,
    );
    expect(outcome.explanation[1]).toMatch(/^caught on the 10s window: v1: .* degraded \(floor 0\.164\)/);
    expect(outcome.verdict).toBe('held');
    expect(outcome.detectionSeconds).toBeGreaterThanOrEqual(1); // not before the first late label
    expect(outcome.detectionSeconds).toBeLessThanOrEqual(10);
    const short = report?.rows.find((r) => r.window === '10s' && r.variant === 'v1');
    expect(short?.delayMedianSeconds).toBeGreaterThanOrEqual(1);
  }, 40_000);

  it('labels later than the wait catch nothing, and the phase says so', async () => {
    const { outcome } = await runPhase(true, { ...FAST, delaySeconds: 30, timeoutSeconds: 6 });
    expect(outcome.explanation[1]).toMatch(/^not caught within 6 s: v1: 0 labels/);
    expect(outcome.verdict).toBe('deviated');
    expect(outcome.detectionSeconds).toBeNull();
  }, 40_000);

  it('a model wrong all along: the run so far already says degraded (context), and the change is still caught', async () => {
    const { outcome } = await runPhase(false, FAST);
    expect(outcome.explanation[0]).toMatch(/v1: .* degraded \(floor 0\.164\)/);
    expect(outcome.explanation[1]).toMatch(/^caught on the 10s window/);
  }, 40_000);
});
