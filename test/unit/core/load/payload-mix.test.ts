import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../../src/adapters/process/paths.ts';
import {
  asMixSchema,
  conformToSchema,
  createPayloadMix,
  type LoadRequest,
  type PayloadMixOptions,
  predictBody,
  stampedeRequest,
} from '../../../../src/core/load/payload-mix.ts';
import { encodeFeatures, featureSchemaFile } from '../../../../src/core/spec/feature-schema.ts';
import { decodePredictRequest } from '../../../../src/gateway/validation/predict-request.ts';

const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));

function draw(n: number, options: Partial<PayloadMixOptions> = {}): LoadRequest[] {
  const mix = createPayloadMix(schema, options);
  return Array.from({ length: n }, () => mix.next());
}

/** |observed - expected| within 4 binomial standard errors: fails by chance about once in 16,000 runs. */
function expectShare(count: number, n: number, p: number): void {
  const sd = Math.sqrt((p * (1 - p)) / n);
  expect(Math.abs(count / n - p)).toBeLessThanOrEqual(4 * sd + 1e-12);
}

describe('the payload mix', () => {
  it('produces only bodies the gateway accepts, whatever the options (property, real decoder)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (seed, users, repeatShare, hotKeyShare, fraudRate) => {
          for (const r of draw(50, { seed, users, repeatShare, hotKeyShare, fraudRate })) {
            const decoded = decodePredictRequest(JSON.parse(predictBody(r)), schema, false);
            expect(decoded.userId).toBe(r.userId);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the configured shares of hot-key requests, repeats and fraud-like transactions', () => {
    const n = 40_000;
    const requests = draw(n, { seed: 7, repeatShare: 0.3, hotKeyShare: 0.05, fraudRate: 0.01 });
    const count = (f: (r: LoadRequest) => boolean) => requests.filter(f).length;
    expectShare(
      count((r) => r.kind === 'hot'),
      n,
      0.05,
    );
    expectShare(
      count((r) => r.kind === 'repeat'),
      n,
      0.3,
    );
    const fresh = requests.filter((r) => r.kind === 'fresh');
    expectShare(fresh.filter((r) => r.fraudLike).length, fresh.length, 0.01);
  });

  it('repeats resend the exact body of an earlier transaction of the same user (a cache hit)', () => {
    const requests = draw(5_000, { seed: 3 });
    const seen = new Set<string>();
    let repeats = 0;
    for (const r of requests) {
      const body = predictBody(r);
      if (r.kind === 'repeat') {
        repeats++;
        expect(seen.has(body)).toBe(true);
      }
      if (r.kind === 'fresh') seen.add(body);
    }
    expect(repeats).toBeGreaterThan(1_000);
  });

  it('sends one and the same body for the hot key', () => {
    const hot = draw(5_000, { seed: 4 }).filter((r) => r.kind === 'hot');
    expect(hot.length).toBeGreaterThan(100);
    expect(new Set(hot.map(predictBody)).size).toBe(1);
  });

  it('keeps a card holder profile (average amount, account, device and customer age) across transactions and generators', () => {
    const a = draw(20_000, { seed: 1, users: 50, repeatShare: 0, hotKeyShare: 0, fraudRate: 0 });
    const b = draw(20_000, { seed: 2, users: 50, repeatShare: 0, hotKeyShare: 0, fraudRate: 0 });
    const profile = (r: LoadRequest) =>
      ['avg_amount_30d', 'account_age_days', 'device_age_days', 'customer_age'].map((k) => r.features[k]).join('/');
    const byUser = new Map<string, Set<string>>();
    for (const r of [...a, ...b]) byUser.set(r.userId, (byUser.get(r.userId) ?? new Set()).add(profile(r)));
    expect(byUser.size).toBe(50);
    for (const profiles of byUser.values()) expect(profiles.size).toBe(1);
  });

  it.each([
    ['the same seed gives the same stream', 11, 11, true],
    ['another seed gives another stream', 11, 12, false],
  ])('%s', (_name, s1, s2, same) => {
    const a = draw(200, { seed: s1 }).map(predictBody);
    const b = draw(200, { seed: s2 }).map(predictBody);
    expect(a.join('\n') === b.join('\n')).toBe(same);
  });

  it('gives every stampede round its own cache key (float32, as the cache hashes it) and every caller the same body', () => {
    const keys = new Set<string>();
    for (let round = 350_000_000; round < 350_000_200; round++) {
      const r = stampedeRequest(schema, round);
      expect(predictBody(stampedeRequest(schema, round))).toBe(predictBody(r));
      keys.add(encodeFeatures(schema, r.features).map(Math.fround).join(','));
    }
    expect(keys.size).toBe(200);
  });

  it.each<[string, Partial<PayloadMixOptions>, RegExp]>([
    ['a share above 1', { repeatShare: 1.5 }, /repeatShare must be a share between 0 and 1, got 1.5/],
    ['a negative fraud rate', { fraudRate: -0.01 }, /fraudRate must be a share between 0 and 1, got -0.01/],
    [
      'shares that leave no fresh traffic',
      { repeatShare: 0.7, hotKeyShare: 0.6 },
      /repeatShare \+ hotKeyShare must be at most 1/,
    ],
    ['no users', { users: 0 }, /users must be an integer >= 1, got 0/],
    ['a fractional seed', { seed: 1.5 }, /seed must be an integer, got 1.5/],
  ])('rejects %s, naming the field and the value', (_name, options, message) => {
    expect(() => createPayloadMix(schema, options)).toThrow(message);
  });
});

describe('conforming to the feature schema', () => {
  it.each<[string, Record<string, number | string>, string, number | string]>([
    ['clamps a value above max', { hour: 30 }, 'hour', 23],
    ['clamps a value below min', { customer_age: 5 }, 'customer_age', 18],
    ['replaces a category the schema lacks with its default', { channel: 'fax' }, 'channel', 'pos'],
    ['fills a missing feature with its default', {}, 'amount', 42],
    ['replaces a non-number with the default', { amount: 'lots' }, 'amount', 42],
  ])('%s', (_name, raw, feature, expected) => {
    expect(conformToSchema(schema, raw)[feature]).toBe(expected);
  });

  it('drops features the schema does not have', () => {
    expect(conformToSchema(schema, { merchant_risk: 0.9 })).not.toHaveProperty('merchant_risk');
  });

  it.each([
    ['no features', {}, /"features" must be a non-empty array/],
    [
      'a nameless feature',
      { features: [{ type: 'numeric', default: 1 }] },
      /features\[0\]\.name must be a non-empty string/,
    ],
    [
      'an unknown type',
      { features: [{ name: 'x', type: 'text', default: 'a' }] },
      /features\[0\] \(x\)\.type must be "numeric" or "categorical", got "text"/,
    ],
    [
      'a categorical without categories',
      { features: [{ name: 'c', type: 'categorical', default: 'a' }] },
      /features\[0\] \(c\)\.categories must be a non-empty array/,
    ],
  ])('a schema with %s is refused, naming the field', (_name, value, message) => {
    expect(() => asMixSchema(value)).toThrow(message);
  });
});

// The mix claims to draw what the models were trained on; check it against the training split
// with scipy's two-sample KS test (the reference implementation), feature by feature.
const trainCsv = join(paths.root(), 'serving', 'data', 'train.csv');
describe('against the training data', () => {
  it('matches the marginal distribution of every numeric feature of serving/data/train.csv (scipy ks_2samp, D < 0.05)', () => {
    expect(existsSync(trainCsv), `${trainCsv} is missing; run ./scripts/setup.sh (it trains the models)`).toBe(true);
    const numeric = schema.features.filter((f) => f.type === 'numeric').map((f) => f.name);
    const rows = draw(6_000, { seed: 5, users: 100_000, repeatShare: 0, hotKeyShare: 0, fraudRate: 0.01 });
    const dir = mkdtempSync(join(tmpdir(), 'steadystate-mix-'));
    const sample = join(dir, 'mix.json');
    writeFileSync(sample, JSON.stringify(Object.fromEntries(numeric.map((n) => [n, rows.map((r) => r.features[n])]))));
    const script = [
      'import json, sys, csv',
      'from scipy.stats import ks_2samp',
      'mix = json.load(open(sys.argv[1]))',
      'cols = {k: [] for k in mix}',
      'with open(sys.argv[2]) as f:',
      '    for row in csv.DictReader(f):',
      '        for k in cols: cols[k].append(float(row[k]))',
      'print(json.dumps({k: ks_2samp(mix[k], cols[k]).statistic for k in mix}))',
    ].join('\n');
    const out = execFileSync(paths.peersPython(), ['-c', script, sample, trainCsv], { encoding: 'utf8' });
    const d = JSON.parse(out) as Record<string, number>;
    expect(Object.keys(d).sort()).toEqual([...numeric].sort());
    const worst = Object.entries(d).sort((a, b) => b[1] - a[1]);
    expect(worst[0]?.[1], `KS D per feature: ${JSON.stringify(d)}`).toBeLessThan(0.05);
  });
});
