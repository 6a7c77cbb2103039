import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/core/random/mulberry32.ts';
import { type ArmStatistics, meanArm, proportionArm } from '../../../../src/core/stats/arm-statistics.ts';
import {
  advanceMsprt,
  checkMsprtConfig,
  DEFAULT_MSPRT,
  type DifferenceType,
  initialMsprtState,
  type MsprtConfig,
  msprtLook,
} from '../../../../src/core/stats/msprt.ts';
import { closeTo, runPeer } from './python-peer.ts';

/** Sufficient statistics of seeded normal draws (Box-Muller), like score or latency data. */
function normalMoments(seed: number, n: number, mean: number, sd: number): ArmStatistics {
  const random = mulberry32(seed);
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const x = mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    sum += x;
    sumSquares += x * x;
  }
  return meanArm(n, sum, sumSquares);
}

interface Case {
  name: string;
  control: ArmStatistics;
  treatment: ArmStatistics;
  alpha: number;
  plannedSamples: number;
  difference: DifferenceType;
}

const cases: Case[] = [
  ['error rates 1% vs 1.55%, 80/20', proportionArm(8000, 80), proportionArm(2000, 31), 0.05, 5000, 'absolute'],
  ['rates 10% vs 13%', proportionArm(20000, 2000), proportionArm(5000, 650), 0.05, 5000, 'absolute'],
  ['a large A/A-like sample', proportionArm(50000, 510), proportionArm(12500, 118), 0.05, 5000, 'absolute'],
  ['positive rates at alpha 0.01, N* 1000', proportionArm(1500, 300), proportionArm(400, 70), 0.01, 1000, 'absolute'],
  ['200k requests, N* 100k', proportionArm(200000, 2000), proportionArm(50000, 560), 0.1, 100000, 'absolute'],
  ['a relative lift of a rate', proportionArm(8000, 800), proportionArm(2000, 230), 0.05, 5000, 'relative'],
  ['score means', normalMoments(1, 30000, 0.2, 0.15), normalMoments(2, 8000, 0.21, 0.16), 0.05, 5000, 'absolute'],
  [
    'latency means, relative',
    normalMoments(3, 10000, 0.045, 0.01),
    normalMoments(4, 2500, 0.047, 0.012),
    0.05,
    20000,
    'relative',
  ],
  ['a tiny mean difference, N* 500', normalMoments(5, 400, 1, 1), normalMoments(6, 100, 1.05, 1), 0.2, 500, 'absolute'],
].map(([name, control, treatment, alpha, plannedSamples, difference]) => ({
  name: name as string,
  control: control as ArmStatistics,
  treatment: treatment as ArmStatistics,
  alpha: alpha as number,
  plannedSamples: plannedSamples as number,
  difference: difference as DifferenceType,
}));

// GrowthBook's own implementation on the same sufficient statistics.
const gbstats = runPeer<{ p: number; ci: [number, number]; expected: number; error: string | null }[]>(
  `
from gbstats.frequentist.tests import SequentialTwoSidedTTest, SequentialConfig
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic
def stat(a):
    if a['kind'] == 'proportion':
        return ProportionStatistic(n=a['n'], sum=a['successes'])
    return SampleMeanStatistic(n=a['n'], sum=a['sum'], sum_squares=a['sumSquares'])
result = []
for c in data:
    cfg = SequentialConfig(alpha=c['alpha'], sequential_tuning_parameter=c['plannedSamples'], difference_type=c['difference'])
    r = SequentialTwoSidedTTest(stat(c['control']), stat(c['treatment']), cfg).compute_result()
    result.append(dict(p=r.p_value, ci=list(r.ci), expected=r.expected, error=r.error_message))
`,
  cases,
);

describe('mSPRT agrees with gbstats SequentialTwoSidedTTest on identical sufficient statistics', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s: p-value and interval to 1e-9', (_name, c, i) => {
    const ref = gbstats[i] as (typeof gbstats)[number];
    expect(ref.error).toBeNull();
    const config: MsprtConfig = {
      ...DEFAULT_MSPRT,
      alpha: c.alpha,
      plannedSamples: c.plannedSamples,
      difference: c.difference,
    };
    const look = msprtLook(c.control, c.treatment, config);
    expect(look.informative).toBe(true);
    expect(closeTo(look.estimate, ref.expected, 1e-12)).toBe(true);
    expect(closeTo(look.pValue, ref.p, 1e-9)).toBe(true);
    // and relatively, for the very small p-values where an absolute 1e-9 says little
    expect(Math.abs(Math.log(look.pValue) - Math.log(ref.p))).toBeLessThan(1e-9);
    const [lower, upper] = look.interval as [number, number];
    expect(closeTo(lower, ref.ci[0], 1e-9)).toBe(true);
    expect(closeTo(upper, ref.ci[1], 1e-9)).toBe(true);
  });

  it('the cases span significant and non-significant outcomes (the comparison is not vacuous)', () => {
    expect(gbstats.filter((r) => r.p < 0.05).length).toBeGreaterThanOrEqual(3);
    expect(gbstats.some((r) => r.p > 0.5)).toBe(true);
  });
});

describe('always-valid p-value and confidence sequence across looks', () => {
  it('the p-value is the running minimum and the interval the running intersection', () => {
    const looks = [
      msprtLook(proportionArm(4000, 400), proportionArm(1000, 140), DEFAULT_MSPRT),
      msprtLook(proportionArm(8000, 800), proportionArm(2000, 230), DEFAULT_MSPRT),
      msprtLook(proportionArm(12000, 1200), proportionArm(3000, 310), DEFAULT_MSPRT),
    ];
    let state = initialMsprtState();
    for (const look of looks) state = advanceMsprt(state, look, DEFAULT_MSPRT.alpha);
    expect(state.looks).toBe(3);
    expect(state.pValue).toBe(Math.min(...looks.map((l) => l.pValue)));
    const intervals = looks.map((l) => l.interval as [number, number]);
    expect(state.interval).toEqual([Math.max(...intervals.map((i) => i[0])), Math.min(...intervals.map((i) => i[1]))]);
    // The last look alone is less significant than the running minimum: that is the point.
    expect((looks[2] as { pValue: number }).pValue).toBeGreaterThan(state.pValue);
  });

  it('records the look at which p first reached alpha, and keeps it', () => {
    let state = initialMsprtState();
    state = advanceMsprt(state, msprtLook(proportionArm(1000, 100), proportionArm(1000, 105), DEFAULT_MSPRT), 0.05);
    expect(state.rejectedAtLook).toBeUndefined();
    state = advanceMsprt(state, msprtLook(proportionArm(8000, 800), proportionArm(8000, 1100), DEFAULT_MSPRT), 0.05);
    expect(state.rejectedAtLook).toBe(2);
    state = advanceMsprt(state, msprtLook(proportionArm(9000, 900), proportionArm(9000, 905), DEFAULT_MSPRT), 0.05);
    expect(state.rejectedAtLook).toBe(2);
    expect(state.pValue).toBeLessThan(0.05);
  });

  it('the interval narrows as data accrues and contains the true effect', () => {
    const a = msprtLook(proportionArm(2000, 200), proportionArm(500, 60), DEFAULT_MSPRT);
    const b = msprtLook(proportionArm(200000, 20000), proportionArm(50000, 6000), DEFAULT_MSPRT);
    const [aLo, aHi] = a.interval as [number, number];
    const [bLo, bHi] = b.interval as [number, number];
    expect(bHi - bLo).toBeLessThan((aHi - aLo) / 5);
    expect(bLo).toBeLessThan(0.02);
    expect(bHi).toBeGreaterThan(0.02);
  });
});

describe('looks that cannot inform', () => {
  it.each([
    ['an empty arm', proportionArm(0, 0), proportionArm(100, 5)],
    ['no variance at all (no errors anywhere)', proportionArm(5000, 0), proportionArm(5000, 0)],
    [
      'too few expected events for the normal approximation (200 requests at 1%)',
      proportionArm(800, 8),
      proportionArm(200, 0),
    ],
    ['a single observation per arm of a mean', meanArm(1, 3, 9), meanArm(1, 4, 16)],
    // gbstats' rule: one value has no variance; plugging in 0 made this look "significant" (p ~ 1e-300).
    ['one arm of a single value against a full arm', meanArm(1, 0.9, 0.81), normalMoments(7, 4000, 0.2, 0.15)],
    ['an arm of identical values (variance 0)', normalMoments(8, 400, 0.2, 0.15), meanArm(100, 20, 4)],
    [
      'fewer values than minMeanSamples in an arm (29 of 30)',
      normalMoments(9, 400, 0.2, 0.15),
      normalMoments(10, 29, 0.6, 0.15),
    ],
  ])('%s: e-value 1, p-value 1, an unbounded interval', (_name, control, treatment) => {
    const look = msprtLook(control, treatment, DEFAULT_MSPRT);
    expect(look).toMatchObject({ informative: false, eValue: 1, pValue: 1, interval: null });
    expect(advanceMsprt(initialMsprtState(), look, 0.05).pValue).toBe(1);
  });

  it('gbstats refuses the same zero-variance mean arms; for proportions we depart on purpose', () => {
    const oneValue = meanArm(1, 0.9, 0.81);
    const identical = meanArm(100, 20, 4);
    const full = normalMoments(7, 4000, 0.2, 0.15);
    const control = proportionArm(8000, 80);
    const noErrorsYet = proportionArm(2000, 0);
    const refused = runPeer<(string | null)[]>(
      `
from gbstats.frequentist.tests import SequentialTwoSidedTTest, SequentialConfig
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic
def stat(a):
    if a['kind'] == 'proportion':
        return ProportionStatistic(n=a['n'], sum=a['successes'])
    return SampleMeanStatistic(n=a['n'], sum=a['sum'], sum_squares=a['sumSquares'])
result = [SequentialTwoSidedTTest(stat(a), stat(b), SequentialConfig()).compute_result().error_message for a, b in data]
`,
      [
        [full, oneValue],
        [full, identical],
        [control, noErrorsYet],
      ],
    );
    expect(refused).toEqual([
      expect.stringMatching(/variance/i),
      expect.stringMatching(/variance/i),
      expect.stringMatching(/variance/i),
    ]);
    expect(msprtLook(full, oneValue, DEFAULT_MSPRT).informative).toBe(false);
    expect(msprtLook(full, identical, DEFAULT_MSPRT).informative).toBe(false);
    // A treatment with no errors yet, against a control whose errors the smaller arm would
    // expect 16 of: gbstats stays silent, we test (an arm that never errs could otherwise
    // never ship); the rare-event gate keeps the A/A false positives under alpha.
    const look = msprtLook(control, noErrorsYet, DEFAULT_MSPRT);
    expect(look.informative).toBe(true);
    expect(look.pValue).toBeLessThan(0.05);
  });

  it('a relative difference against a zero control mean is uninformative, not infinite', () => {
    const look = msprtLook(proportionArm(5000, 0), proportionArm(5000, 40), {
      ...DEFAULT_MSPRT,
      difference: 'relative',
      minExpectedEvents: 0,
    });
    expect(look.informative).toBe(false);
  });

  it.each([
    [{ alpha: 0 }, /alpha must be in \(0, 1\), got 0/],
    [{ plannedSamples: -5 }, /plannedSamples \(N\*\) must be > 0, got -5/],
    [{ minExpectedEvents: -1 }, /minExpectedEvents must be >= 0, got -1/],
    [{ minMeanSamples: 1 }, /minMeanSamples must be >= 2 \(a variance needs two values\), got 1/],
  ])('rejects the config %o by naming the value', (patch, message) => {
    expect(() => checkMsprtConfig({ ...DEFAULT_MSPRT, ...patch })).toThrow(message);
  });
});
