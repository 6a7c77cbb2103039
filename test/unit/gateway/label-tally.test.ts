import fc from 'fast-check';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabelTally } from '../../../src/gateway/label-tally.ts';

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
