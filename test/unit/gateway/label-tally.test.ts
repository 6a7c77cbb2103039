import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HistogramTally, LabelTally } from '../../../src/gateway/label-tally.ts';

function counterPair() {
  const registry = new Registry();
  const make = (name: string, tally?: LabelTally) =>
    new Counter({
      name,
      help: name,
      labelNames: ['model', 'feature', 'bin'],
      registers: [registry],
      ...(tally
        ? {
            collect() {
              tally.flushInto(this);
            },
          }
        : {}),
    });
  const tally = new LabelTally(['model', 'feature', 'bin']);
  return { registry, direct: make('direct_total'), tallied: make('tallied_total', tally), tally };
}

async function valuesOf(counter: Counter<string>) {
  const { values } = await counter.get();
  return values.map((v) => `${JSON.stringify(v.labels)}=${v.value}`).sort();
}

describe('LabelTally', () => {
  it('exposes the same series and values as incrementing the Counter directly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom('fraud', 'recs'), fc.constantFrom('amount', 'hour'), fc.constantFrom('0', '1', '2')),
          {
            maxLength: 200,
          },
        ),
        async (events) => {
          const { direct, tallied, tally } = counterPair();
          for (const [model, feature, bin] of events) {
            direct.inc({ model, feature, bin });
            tally.inc(model, feature, bin);
          }
          expect(await valuesOf(tallied)).toEqual(await valuesOf(direct));
        },
      ),
    );
  });

  it('hands each count over once: a second scrape adds nothing new', async () => {
    const { registry, tally } = counterPair();
    tally.inc('fraud', 'amount', '3');
    tally.inc('fraud', 'amount', '3');
    await registry.metrics();
    const text = await registry.metrics();
    expect(text).toContain('tallied_total{model="fraud",feature="amount",bin="3"} 2');
    tally.inc('fraud', 'amount', '3');
    expect(await registry.metrics()).toContain('tallied_total{model="fraud",feature="amount",bin="3"} 3');
  });

  it('refuses a label set of the wrong size, naming the labels', () => {
    const { tally } = counterPair();
    tally.inc('fraud', 'amount', '3');
    expect(() => tally.inc('fraud', 'amount')).toThrow(/expected 3 label values \(model, feature, bin\), got 2/);
  });
});

const BUCKETS = [0.01, 0.1, 0.5, 1];

function histogramPair() {
  const registry = new Registry();
  const tally = new HistogramTally(['model', 'variant'], BUCKETS);
  const make = (name: string, withTally: boolean) =>
    new Histogram({
      name,
      help: name,
      labelNames: ['model', 'variant'],
      buckets: BUCKETS,
      registers: [registry],
      ...(withTally
        ? {
            collect() {
              tally.flushInto(this);
            },
          }
        : {}),
    });
  return { registry, direct: make('direct_seconds', false), tallied: make('tallied_seconds', true), tally };
}

async function histogramValues(histogram: Histogram<string>) {
  const { values } = await histogram.get();
  return values
    .map((v) => `${v.metricName?.replace(/^\w+?_seconds/, 'h')}${JSON.stringify(v.labels)}=${v.value.toFixed(9)}`)
    .sort();
}

describe('HistogramTally', () => {
  const observations = fc.array(
    fc.tuple(
      fc.constantFrom('fraud', 'recs'),
      fc.constantFrom('v1', 'v2'),
      fc.oneof(fc.constantFrom(0, 0.01, 0.1, 0.5, 1, 7), fc.double({ min: 0, max: 3, noNaN: true })),
    ),
    { maxLength: 200 },
  );

  it('exposes the same buckets, sums and counts as observing the Histogram directly, across scrapes', async () => {
    await fc.assert(
      fc.asyncProperty(observations, observations, async (first, second) => {
        const { direct, tallied, tally } = histogramPair();
        for (const [model, variant, v] of first) {
          direct.observe({ model, variant }, v);
          tally.observe(v, model, variant);
        }
        expect(await histogramValues(tallied)).toEqual(await histogramValues(direct));
        // A direct observe on the tallied histogram and a second batch merge into the same series.
        direct.observe({ model: 'fraud', variant: 'v1' }, 0.2);
        tallied.observe({ model: 'fraud', variant: 'v1' }, 0.2);
        for (const [model, variant, v] of second) {
          direct.observe({ model, variant }, v);
          tally.observe(v, model, variant);
        }
        expect(await histogramValues(tallied)).toEqual(await histogramValues(direct));
      }),
    );
  });

  it('starts over after a reset, and refuses a non-finite value as prom-client does', async () => {
    const { tallied, tally } = histogramPair();
    tally.observe(0.05, 'fraud', 'v1');
    await tallied.get();
    tallied.reset();
    tally.observe(0.05, 'fraud', 'v1');
    const { values } = await tallied.get();
    expect(values.find((v) => v.metricName === 'tallied_seconds_count')?.value).toBe(1);
    expect(() => tally.observe(Number.NaN, 'fraud', 'v1')).toThrow(/not a valid number/);
  });
});
