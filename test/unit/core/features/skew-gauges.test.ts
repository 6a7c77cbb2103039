import { describe, expect, it } from 'vitest';
import { compareSkew } from '../../../../src/core/drift/skew.ts';
import { skewGaugesText } from '../../../../src/core/features/skew-gauges.ts';

describe('skew gauges', () => {
  it('exports mismatch share and mean |difference| per compared feature only', () => {
    const report = compareSkew(
      [
        { entity: 'u1', requestId: 'a', online: { avg: 10, age: 3 }, offline: { avg: 14, age: 3 } },
        { entity: 'u2', requestId: 'b', online: { avg: 20, age: 5 }, offline: { avg: 20, age: 5 } },
      ],
      [
        { name: 'avg', type: 'numeric' },
        { name: 'age', type: 'numeric' },
        { name: 'unseen', type: 'numeric' },
      ],
    );
    const text = skewGaugesText(report);
    expect(text).toContain('feature_skew_mismatch_ratio{feature="avg"} 0.5\n');
    expect(text).toContain('feature_skew_mismatch_ratio{feature="age"} 0\n');
    expect(text).toContain('feature_skew_mean_absolute_difference{feature="avg"} 2\n');
    expect(text).not.toContain('"unseen"');
  });
});
