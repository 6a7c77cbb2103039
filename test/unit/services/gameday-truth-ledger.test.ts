import { describe, expect, it } from 'vitest';
import type { LoadRequest } from '../../../src/core/load/payload-mix.ts';
import { TruthLedger } from '../../../src/services/gameday/truth-ledger.ts';

const request = (fraudLike: boolean): LoadRequest => ({ userId: 'u', features: {}, kind: 'fresh', fraudLike });

describe('the game day truth ledger', () => {
  it('stamps request ids and delivers each label once, only after its delay', () => {
    let now = 1_000;
    const ledger = new TruthLedger({ now: () => now });
    expect(ledger.stamp(request(true)).requestId).toBe('gd-0');
    now = 2_000;
    expect(ledger.stamp(request(false)).requestId).toBe('gd-1');
    now = 5_000;
    expect(ledger.due(1_500)).toEqual([{ request_id: 'gd-0', label: 1, labelled_at: new Date(5_000).toISOString() }]);
    expect(ledger.due(1_500)).toEqual([]);
    expect(ledger.due(2_000).map((l) => [l.request_id, l.label])).toEqual([['gd-1', 0]]);
  });

  it('novel fraud: the truth no longer follows the row, at about the set rate, whatever the features', () => {
    const ledger = new TruthLedger({ seed: 3 });
    ledger.setNovelFraud(0.03);
    for (let i = 0; i < 10_000; i++) ledger.stamp(request(i % 100 === 0));
    const labels = ledger.due(Number.POSITIVE_INFINITY);
    const positives = labels.filter((l) => l.label === 1);
    expect(positives.length).toBeGreaterThan(240);
    expect(positives.length).toBeLessThan(360);
    // The rows the old pattern called fraud are no more likely to be fraud now.
    const oldFraud = labels.filter((_, i) => i % 100 === 0 && labels[i]?.label === 1).length;
    expect(oldFraud).toBeLessThan(10);
    ledger.setNovelFraud(undefined);
    ledger.stamp(request(true));
    expect(ledger.due(Number.POSITIVE_INFINITY)[0]?.label).toBe(1);
  });
});
