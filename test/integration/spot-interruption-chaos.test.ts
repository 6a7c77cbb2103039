import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../../src/adapters/files/experiment-file.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import type { ChaosExperimentDocument } from '../../src/core/spec/kinds/chaos-experiment.ts';
import { defaultChaosTarget } from '../../src/core/spec/kinds/chaos-target.ts';
import { runExperiment } from '../../src/services/chaos/runner.ts';
import { type ChaosStack, startChaosStack } from './fixtures/chaos-stack.ts';

// The shipped spot-interruption experiment by the real runner on the real local stack
// (Triton, gateway, Redis), on a 12,000-row slice of the test split to keep the file short.
let chaos: ChaosStack;
const dir = mkdtempSync(join(tmpdir(), 'steadystate-spot-chaos-'));
const input = join(dir, 'test-12000.csv');

beforeAll(async () => {
  chaos = await startChaosStack();
  const lines = readFileSync(join(paths.root(), 'serving/data/test.csv'), 'utf8').split('\n').slice(0, 12_001);
  writeFileSync(input, `${lines.join('\n')}\n`);
}, 180_000);
afterAll(async () => {
  await chaos?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function experiment(change: Record<string, unknown>): ChaosExperimentDocument {
  const doc = loadExperimentFile(join(paths.root(), 'chaos/experiments/spot-interruption.yaml'));
  const step = doc.spec.method[0] as { action: Record<string, unknown> };
  Object.assign(step.action, { input, interruptAfterRows: 2_000 }, change);
  return doc;
}

describe('spot-interruption', () => {
  it('the batch job is reclaimed and resumed while online serving holds its SLO', async () => {
    const journal = await runExperiment({
      document: experiment({}),
      stack: chaos.stack,
      target: defaultChaosTarget(),
      env: chaos.env(),
      timeScale: 1,
    });
    const step = journal.method[0];
    console.log(`spot-interruption: ${journal.status}: ${step?.detail ?? step?.error}`);
    expect(`${journal.status}: ${journal.reason}`).toMatch(/^completed:/);
    expect(journal.deviated).toBe(false);
    expect(journal.before?.held).toBe(true);
    expect(journal.after?.held).toBe(true);
    expect(step?.outcome).toBe('succeeded');
    expect(step?.detail).toMatch(/every row exactly once/);
    expect(step?.measuredSeconds).toBeLessThan(300);
    expect(journal.load?.failed).toBe(0);
  }, 120_000);

  it('fails when the resume misses its target (the check can fail)', async () => {
    const journal = await runExperiment({
      document: experiment({ resumeWithin: '10ms', interruptAfterRows: 1_000 }),
      stack: chaos.stack,
      target: defaultChaosTarget(),
      env: chaos.env(),
      timeScale: 1,
    });
    expect(journal.method[0]?.outcome).toBe('failed');
    expect(journal.method[0]?.error).toMatch(/resumed .* s after the notice, over 10ms/);
  }, 120_000);
});
