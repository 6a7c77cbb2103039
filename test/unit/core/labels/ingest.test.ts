import { describe, expect, it } from 'vitest';
import type { GroundTruth } from '../../../../src/core/labels/ground-truth.ts';
import { type IdStatus, planIngest } from '../../../../src/core/labels/ingest.ts';

const NOW = '2026-12-04T12:00:00.000Z';
const logged = new Set(['a', 'b', 'c']);
const status = (id: string): IdStatus => (logged.has(id) ? 'logged' : id.startsWith('u') ? 'unsampled' : 'unknown');

describe('planIngest', () => {
  it('accepts a label for a logged prediction, dated now without labelled_at', () => {
    const out = planIngest([{ request_id: 'a', label: 1 }], { stored: new Map(), status, now: NOW });
    expect(out.accepted).toEqual([{ request_id: 'a', label: 1, labelled_at: NOW }]);
  });

  it('counts a label sent twice once, in one batch and across batches', () => {
    const first = planIngest(
      [
        { request_id: 'a', label: 1 },
        { request_id: 'a', label: '1' },
      ],
      { stored: new Map(), status, now: NOW },
    );
    expect(first.accepted).toHaveLength(1);
    expect(first.duplicates).toBe(1);
    const stored = new Map<string, GroundTruth>(first.accepted.map((l) => [l.request_id, l]));
    const again = planIngest([{ request_id: 'a', label: true }], { stored, status, now: NOW });
    expect(again.accepted).toEqual([]);
    expect(again.duplicates).toBe(1);
  });

  it('reports a relabel with the other class as a conflict and keeps the first', () => {
    const stored = new Map<string, GroundTruth>([['b', { request_id: 'b', label: 0, labelled_at: NOW }]]);
    const out = planIngest([{ request_id: 'b', label: 1 }], { stored, status, now: NOW });
    expect(out.accepted).toEqual([]);
    expect(out.conflicts).toEqual([{ request_id: 'b', stored: 0, sent: 1 }]);
  });

  it('reports unknown ids back by id and counts unsampled ones, storing neither', () => {
    const out = planIngest(
      [
        { request_id: 'x1', label: 0 },
        { request_id: 'u1', label: 0 },
        { request_id: 'u2', label: 1 },
      ],
      { stored: new Map(), status, now: NOW },
    );
    expect(out.accepted).toEqual([]);
    expect(out.unknown).toEqual({ count: 1, ids: ['x1'] });
    expect(out.unsampled).toBe(2);
  });

  it('names the field of each invalid record and keeps going', () => {
    const out = planIngest(
      [
        { label: 1 },
        { request_id: 'a', label: 2 },
        { request_id: 'b', label: 1, labelled_at: 'yesterday' },
        'not an object',
        { request_id: 'c', label: '0', labelled_at: '2026-12-04T10:00:00Z' },
      ],
      { stored: new Map(), status, now: NOW },
    );
    expect(out.invalid.map((p) => [p.index, p.field])).toEqual([
      [0, 'request_id'],
      [1, 'label'],
      [2, 'labelled_at'],
      [3, '(record)'],
    ]);
    expect(out.invalid[1]?.message).toContain('must be 0 or 1');
    expect(out.accepted).toEqual([{ request_id: 'c', label: 0, labelled_at: '2026-12-04T10:00:00.000Z' }]);
  });
});
