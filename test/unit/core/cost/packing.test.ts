import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { monthlySaving, packModels } from '../../../../src/core/cost/packing.ts';

const GiB = 1024 ** 3;
const capacity = { load: 0.8, memoryBytes: 24 * GiB * 0.8 };

describe('packModels', () => {
  it('puts ten low-traffic models on one GPU (the playbook case)', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ name: `m${i}`, load: 0.05, memoryBytes: GiB }));
    const p = packModels(items, capacity);
    expect(p.gpusBefore).toBe(10);
    expect(p.gpusAfter).toBe(1);
    expect(p.gpus[0]?.models).toHaveLength(10);
    // 9 GPUs saved at $1.006/h over 730.5 h: 9 × 1.006 × 730.5 = 6613.947
    expect(monthlySaving(p, 1.006)).toBeCloseTo(6613.947, 3);
  });

  it('keeps memory the binding limit when load is tiny', () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ name: `m${i}`, load: 0.01, memoryBytes: 8 * GiB }));
    // 19.2 GiB usable: two 8 GiB models per GPU -> 3 GPUs.
    expect(packModels(items, capacity).gpusAfter).toBe(3);
  });

  it('gives a model over capacity GPUs of its own and never packs it', () => {
    const p = packModels(
      [
        { name: 'busy', load: 2.1, memoryBytes: GiB },
        { name: 'quiet', load: 0.1, memoryBytes: GiB },
      ],
      capacity,
    );
    expect(p.dedicated).toEqual([{ name: 'busy', gpus: 3 }]);
    expect(p.gpus).toEqual([{ models: ['quiet'], load: 0.1, memoryBytes: GiB }]);
    expect(p.gpusBefore - p.gpusAfter).toBe(0);
  });

  it('rejects a negative load naming the model', () => {
    expect(() => packModels([{ name: 'x', load: -1, memoryBytes: 0 }], capacity)).toThrow(/x: load and memory/);
  });

  const item = fc.record({
    name: fc.string({ minLength: 1, maxLength: 6 }),
    load: fc.double({ min: 0, max: 1.5, noNaN: true }),
    memoryBytes: fc.double({ min: 0, max: 30 * GiB, noNaN: true }),
  });

  it('never puts more on a GPU than its capacity', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 40 }), (items) => {
        for (const g of packModels(items, capacity).gpus) {
          expect(g.load).toBeLessThanOrEqual(capacity.load + 1e-12);
          expect(g.memoryBytes).toBeLessThanOrEqual(capacity.memoryBytes + 1e-3);
        }
      }),
    );
  });

  it('never needs more GPUs than one model per GPU, and places every model once', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 40 }), (items) => {
        const p = packModels(items, capacity);
        expect(p.gpusAfter).toBeLessThanOrEqual(p.gpusBefore);
        const placed = [...p.gpus.flatMap((g) => g.models), ...p.dedicated.map((d) => d.name)].sort();
        expect(placed).toEqual(items.map((i) => i.name).sort());
      }),
    );
  });
});
