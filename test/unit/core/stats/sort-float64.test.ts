import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/core/drift/seeded-random.ts';
import { sortedFloat64 } from '../../../../src/core/stats/sort-float64.ts';

const builtin = (values: number[]) => Float64Array.from(values).sort();

describe('radix sort of doubles', () => {
  it('orders any NaN-free doubles exactly as Float64Array.prototype.sort (-0 before +0)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 300 }), (values) => {
        const n = values.length;
        const ours = sortedFloat64(values, new Float64Array(n), new Float64Array(n), 0);
        expect([...ours].map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(
          [...builtin(values)].map((v) => (Object.is(v, -0) ? '-0' : v)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('sorts 200,000 mixed-scale values (the radix path) like the built-in sort', () => {
    const rand = seededRandom(3);
    const values = Array.from({ length: 200_000 }, (_, i) =>
      i % 5 === 0
        ? -Math.exp(rand.normal() * 20)
        : i % 7 === 0
          ? 0
          : Math.exp(rand.normal() * 20) * (i % 2 ? 1 : 1e-300),
    );
    expect(sortedFloat64(values)).toEqual(builtin(values));
  });
});
