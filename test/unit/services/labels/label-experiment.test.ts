import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CounterSnapshot, zeroCounters } from '../../../../src/core/abtest/counters.ts';
import { experimentFromSpec } from '../../../../src/core/abtest/experiment-config.ts';
import { mulberry32 } from '../../../../src/core/random/mulberry32.ts';
import { parseSpec } from '../../../../src/core/spec/parse.ts';
import { PredictionLog } from '../../../../src/gateway/prediction-log.ts';
import { AbController } from '../../../../src/services/abtest/controller.ts';
import type { CounterSource } from '../../../../src/services/abtest/counter-source.ts';
import { experimentCounterSource } from '../../../../src/services/abtest/label-counter-source.ts';
import { ingestLabels, loadLabelMonitor } from '../../../../src/services/labels/monitor.ts';
import { editIn } from '../../core/spec-fixtures.ts';

/**
 * An Experiment whose primary metric comes from delayed labels, end to end through the A/B
 * controller: the gateway's PredictionLog writes the sample, labels arrive in batches through
 * the label service's ingest into its JSONL store, and the controller (its counter source
 * joined with the LabelMonitor's counts, as `steadystate ab run` builds it) decides on fraud
 * caught per 1,000 labelled transactions as the labels trickle in.
 */
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const PRIMARY = 'primaryMetric: { name: error_rate, better: lower }';

async function experiment(opts: {
  metric: string;
  catchRate: { v1: number; v2: number };
  falseAlarmRate?: { v1: number; v2: number };
}) {
  const root = mkdtempSync(join(tmpdir(), 'label-experiment-'));
  roots.push(root);
  const text = editIn(
    'Stack',
    'sampleRate: 0.01',
    'sampleRate: 1',
    editIn('Experiment', PRIMARY, `primaryMetric: { name: ${opts.metric}, better: higher }`),
  );
  const spec = parseSpec(text, join(root, 'steadystate.yaml'));
  const config = experimentFromSpec(spec);

  // 4,000 answers at the Stack's 80/20 split; 10% fraud; v2 flags more of it than v1.
  const random = mulberry32(42);
  const log = new PredictionLog({
    path: join(root, '.steadystate/predictions.jsonl'),
    sampleRate: 1,
    maxBytes: 50_000_000,
    keepFiles: 3,
  });
  const truth: { request_id: string; label: 0 | 1 }[] = [];
  const requests = { v1: 0, v2: 0 };
  for (let i = 0; i < 4_000; i++) {
    const variant = i % 5 === 0 ? 'v2' : 'v1';
    const fraud = random() < 0.1;
    const flagged = fraud ? random() < opts.catchRate[variant] : random() < (opts.falseAlarmRate?.[variant] ?? 0.02);
    const request_id = `req-${i}`;
    requests[variant]++;
    log.write({
      ts: new Date(Date.UTC(2026, 11, 4, 12, 0, 0, i)).toISOString(),
      request_id,
      user_id: `u${i}`,
      model: 'fraud',
      variant,
      served_by: 'primary',
      score: flagged ? 0.9 : 0.05,
      label: flagged ? 1 : 0,
      features: {},
    });
    truth.push({ request_id, label: fraud ? 1 : 0 });
  }
  await log.close();

  // The gateway counters are the same all along (the traffic is over); only labels move.
  const gateway: CounterSource = {
    async read() {
      const snapshot: CounterSnapshot = {
        v1: { ...zeroCounters(), requests: requests.v1, predictions: requests.v1 },
        v2: { ...zeroCounters(), requests: requests.v2, predictions: requests.v2 },
      };
      return { ok: true, snapshot };
    },
  };
  let weights = { v1: 80, v2: 20 };
  const controller = new AbController({
    config,
    source: experimentCounterSource(spec, root, config, gateway),
    admin: {
      getWeights: async () => weights,
      setWeights: async (_model, w) => {
        weights = w as typeof weights;
        return weights;
      },
    },
  });
  const intake = loadLabelMonitor(spec, root);
  return { controller, intake, truth, config };
}

describe('an Experiment decided on delayed labels', () => {
  it('ships v2 on fraud caught per 1,000 once enough labels arrived, not before', async () => {
    const { controller, intake, truth, config } = await experiment({
      metric: 'fraud_caught_per_1000',
      catchRate: { v1: 0.3, v2: 0.8 },
    });
    expect(config.usesLabels).toBe(true);
    const first = await controller.tick();
    expect(first.verdict.decision).toBe('continue');
    expect(first.verdict.metrics[0]).toMatchObject({ metric: 'fraud_caught_per_1000', control: { n: 0 } });

    let decidedAt: number | undefined;
    let delivered = 0;
    for (let i = 0; i < truth.length && decidedAt === undefined; i += 200) {
      const outcome = await ingestLabels(intake, truth.slice(i, i + 200));
      expect(outcome.accepted).toHaveLength(Math.min(200, truth.length - i));
      delivered += outcome.accepted.length;
      const { verdict } = await controller.tick();
      if (verdict.decision !== 'continue') {
        expect(verdict.decision).toBe('ship_b');
        expect(verdict.reason).toMatch(/^fraud caught per 1000 higher on v2 than v1/);
        const [primary] = verdict.metrics;
        // Per labelled transaction: about 0.1 x 0.8 for v2, 0.1 x 0.3 for v1.
        expect(primary?.treatment.mean).toBeGreaterThan(0.05);
        expect(primary?.control.mean).toBeLessThan(0.05);
        expect((primary?.control.n ?? 0) + (primary?.treatment.n ?? 0)).toBe(delivered);
        decidedAt = delivered;
      }
    }
    // Decided while labels were still arriving, well before all 4,000 were in.
    expect(decidedAt).toBeDefined();
    expect(decidedAt).toBeLessThan(4_000);
  });

  it('keeps v1 on label precision when v2 flags more but is right less often', async () => {
    const { controller, intake, truth } = await experiment({
      metric: 'label_precision',
      catchRate: { v1: 0.9, v2: 0.9 },
      // v2 flags 30% of legitimate transactions: ~290 flagged, a quarter of them fraud.
      falseAlarmRate: { v1: 0.02, v2: 0.3 },
    });
    await ingestLabels(intake, truth);
    const { verdict } = await controller.tick();
    expect(verdict.metrics[0]?.metric).toBe('label_precision');
    expect(verdict.decision).toBe('keep_a');
    expect(verdict.reason).toMatch(/label precision lower on v2 than v1/);
  });
});
