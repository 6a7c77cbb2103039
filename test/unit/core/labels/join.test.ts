import { describe, expect, it } from 'vitest';
import type { GroundTruth } from '../../../../src/core/labels/ground-truth.ts';
import { type LoggedPrediction, qualityByWindow } from '../../../../src/core/labels/join.ts';
import { qualityVerdict } from '../../../../src/core/labels/verdict.ts';

const NOW = Date.parse('2026-12-08T00:00:00Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

function pred(id: string, ageDays: number, score: number, variant = 'v1', servedBy = 'primary'): LoggedPrediction {
  return {
    ts: at(NOW - ageDays * DAY),
    request_id: id,
    model: 'fraud',
    variant,
    served_by: servedBy,
    score,
    label: score >= 0.5 ? 1 : 0,
  };
}
function truth(id: string, label: 0 | 1, labelledAgeDays: number): [string, GroundTruth] {
  return [id, { request_id: id, label, labelled_at: at(NOW - labelledAgeDays * DAY) }];
}

describe('qualityByWindow', () => {
  const predictions = [
    pred('a', 0.5, 0.9), // TP, labelled 0.25 d later
    pred('b', 0.5, 0.6), // FP
    pred('c', 0.5, 0.2), // FN
    pred('d', 0.5, 0.1), // unlabelled
    pred('e', 3, 0.8), // 7d only: TP, labelled 2 d later
    pred('f', 0.5, 0.95, 'v1', 'fallback_model'), // another model's answer: excluded
    pred('g', 0.5, 0.3, 'v2'),
  ];
  const labels = new Map([
    truth('a', 1, 0.25),
    truth('b', 0, 0.25),
    truth('c', 1, 0.25),
    truth('e', 1, 1),
    truth('f', 0, 0.1),
  ]);
  const rows = qualityByWindow(
    predictions,
    labels,
    [
      { name: '1d', seconds: 86400 },
      { name: '7d', seconds: 7 * 86400 },
    ],
    NOW,
  );

  it('computes the statistics per variant and window by hand', () => {
    const day = rows.find((r) => r.variant === 'v1' && r.window === '1d');
    expect(day).toMatchObject({
      predictions: 4,
      labelled: 3,
      positives: 2,
      coverage: 0.75,
      precision: 0.5,
      recall: 0.5,
    });
    // scores 0.9 (1), 0.6 (0), 0.2 (1): AP = 0.5*1 + 0.5*(2/3)
    expect(day?.prAuc).toBeCloseTo(0.5 + 1 / 3, 12);
    expect(day?.expectedPositiveRate).toBeCloseTo((0.9 + 0.6 + 0.2) / 3, 12);
    expect(day?.observedPositiveRate).toBeCloseTo(2 / 3, 12);
    expect(day?.delayMedianSeconds).toBeCloseTo(0.25 * 86400, 6);
    const week = rows.find((r) => r.variant === 'v1' && r.window === '7d');
    expect(week).toMatchObject({ predictions: 5, labelled: 4, positives: 3 });
    expect(week?.delayP90Seconds).toBeCloseTo(2 * 86400, 6);
  });

  it('keeps a variant with no labels as no data, not zero', () => {
    const v2 = rows.find((r) => r.variant === 'v2' && r.window === '1d');
    expect(v2).toMatchObject({ predictions: 1, labelled: 0, coverage: 0, precision: null, recall: null, prAuc: null });
  });

  it('judges degraded only with enough labels and positives', () => {
    const row = rows.find((r) => r.variant === 'v1' && r.window === '7d');
    if (!row) throw new Error('missing row');
    // 7d AP: 1/3 + 1/3 + (1/3)(3/4) = 0.9167
    expect(row.prAuc).toBeCloseTo(11 / 12, 12);
    const t = { baseline: 1, tolerance: 0.05, minLabels: 4, minPositives: 3 };
    expect(qualityVerdict(row, t).outcome).toBe('degraded');
    expect(qualityVerdict(row, { ...t, minLabels: 5 }).outcome).toBe('no_data');
    expect(qualityVerdict(row, { ...t, minPositives: 4 }).outcome).toBe('no_data');
    expect(qualityVerdict(row, { ...t, baseline: 0.6 }).outcome).toBe('ok');
  });
});
