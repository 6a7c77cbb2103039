import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeatureInput } from '../../../../src/core/drift/bins.ts';
import { binIndex, binLabel, binLabels, featureBinner } from '../../../../src/core/drift/bins.ts';
import { categoricalProfile, numericProfile } from '../../../../src/core/drift/build-profile.ts';

const options = { bins: 4, maxDiscreteValues: 3, sampleSize: 0, seed: 1 };
// 0..99: quartile edges at 24.75, 49.5, 74.25; bins [0,24.75) [24.75,49.5) [49.5,74.25) [74.25,99]
const continuous = numericProfile(
  'amount',
  Array.from({ length: 100 }, (_, i) => i),
  options,
  1,
);
const discrete = numericProfile('flag', [0, 1, 1, 0, 1], options, 1);
const channel = categoricalProfile('channel', ['pos', 'online', 'atm'], ['pos', 'online', 'pos', 'atm']);

describe('binLabel: the label the gateway counts with', () => {
  it.each<[string, FeatureInput, string]>([
    ['the reference minimum', 0, 'b00'],
    ['inside the first bin', 10, 'b00'],
    ['exactly on an inner edge (bins are [lo, hi))', 24.75, 'b01'],
    ['inside the last bin', 80, 'b03'],
    ['the reference maximum (the last bin is closed)', 99, 'b03'],
    ['below the minimum', -0.5, 'lt_min'],
    ['above the maximum', 99.0001, 'gt_max'],
    ['-Infinity', Number.NEGATIVE_INFINITY, 'lt_min'],
    ['+Infinity', Number.POSITIVE_INFINITY, 'gt_max'],
    ['NaN', Number.NaN, 'missing'],
    ['null', null, 'missing'],
    ['undefined', undefined, 'missing'],
    ['an empty string', '', 'missing'],
    ['a non-numeric string', 'abc', 'missing'],
    ['a numeric string', '30.5', 'b01'],
    ['true (a flag)', true, 'b00'],
  ])('numeric: %s -> %s', (_name, value, expected) => {
    expect(binLabel(continuous, value)).toBe(expected);
  });

  it.each<[string, FeatureInput, string]>([
    ['0 of a 0/1 flag', 0, 'b00'],
    ['1 of a 0/1 flag', 1, 'b01'],
    ['0.5 between the values', 0.5, 'b00'],
    ['2, above the maximum', 2, 'gt_max'],
  ])('discrete numeric: %s -> %s', (_name, value, expected) => {
    expect(binLabel(discrete, value)).toBe(expected);
  });

  it.each<[string, FeatureInput, string]>([
    ['a reference category', 'online', 'online'],
    ['the model input code of a category', 2, 'atm'],
    ['an unknown category', 'crypto', 'unseen'],
    ['a code out of range', 7, 'unseen'],
    ['a fractional code', 1.5, 'unseen'],
    ['a case variant (names are exact)', 'POS', 'unseen'],
    ['an empty string', '', 'missing'],
    ['null', null, 'missing'],
  ])('categorical: %s -> %s', (_name, value, expected) => {
    expect(binLabel(channel, value)).toBe(expected);
  });

  it('lists every label of a feature, in bin-index order, few enough for Prometheus', () => {
    expect(binLabels(continuous)).toEqual(['b00', 'b01', 'b02', 'b03', 'lt_min', 'gt_max', 'missing']);
    expect(binLabels(channel)).toEqual(['pos', 'online', 'atm', 'unseen', 'missing']);
  });

  it('is total, returns a listed label, and never lets a request value through', () => {
    const anyValue = fc.oneof(
      fc.double(),
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    ) as fc.Arbitrary<FeatureInput>;
    fc.assert(
      fc.property(anyValue, (value) => {
        for (const feature of [continuous, discrete, channel]) {
          const label = binLabel(feature, value);
          expect(binLabels(feature)).toContain(label);
        }
      }),
    );
  });

  it('orders numeric values: a larger value never falls into an earlier in-range bin', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 99, noNaN: true }), fc.double({ min: 0, max: 99, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(binIndex(continuous, lo)).toBeLessThanOrEqual(binIndex(continuous, hi));
      }),
    );
  });
});

describe('featureBinner: the gateway hook', () => {
  it('bins tracked features and ignores the rest', () => {
    const binner = featureBinner({ features: [continuous, channel] });
    expect(binner('amount', 30)).toBe('b01');
    expect(binner('channel', 'atm')).toBe('atm');
    expect(binner('session_length', 3)).toBeUndefined();
  });
});
