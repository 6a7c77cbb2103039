import { describe, expect, it } from 'vitest';
import { loadSummary } from '../../../src/core/chaos/load-summary.ts';
import type { LoadRecord } from '../../../src/core/load/record.ts';

const CUT = 'cut off';
const record = (over: Partial<LoadRecord>): LoadRecord => ({
  scheduledMs: 0,
  sendLagMs: 0,
  latencyMs: 5,
  serviceMs: 5,
  status: 200,
  servedBy: 'primary',
  variant: 'v1',
  kind: 'fresh',
  fraudLike: false,
  error: null,
  dropped: false,
  ...over,
});

describe("the journal's load summary, from the one load driver's records", () => {
  it.each<[string, Partial<LoadRecord>, Record<string, number>, Record<string, number>]>([
    ['a 200 is answered, by its tier', { servedBy: 'cache' }, { sent: 1, answered: 1, failed: 0 }, { cache: 1 }],
    ['a 200 without a tier is answered, unknown', { servedBy: null }, { answered: 1 }, { unknown: 1 }],
    ['a 503 failed, by status', { status: 503, servedBy: null }, { failed: 1 }, { http_503: 1 }],
    [
      'no answer failed, as a network error',
      { status: 0, servedBy: null, error: 'ECONNRESET' },
      { failed: 1 },
      { network_error: 1 },
    ],
    [
      'cut off by the stop is neither answered nor failed',
      { status: 0, servedBy: null, error: CUT },
      { sent: 1, answered: 0, failed: 0 },
      { cut_off: 1 },
    ],
    ['dropped is not sent', { dropped: true, status: 0 }, { sent: 0, dropped: 1 }, {}],
  ])('%s', (_name, over, counts, byServedBy) => {
    const s = loadSummary(40, [record(over)], CUT);
    expect(s).toMatchObject({ rate: 40, ...counts });
    expect(s.byServedBy).toEqual(byServedBy);
  });
});
