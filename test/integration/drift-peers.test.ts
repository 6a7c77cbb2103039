/**
 * Every drift statistic against its reference implementation (scipy 1.17, Evidently 0.7)
 * on identical data: statistics to 1e-9, p-values to 1e-6. One Python process computes all
 * reference values (importing Evidently alone takes ~15 s).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/adapters/process/paths.ts';
import { binnedWasserstein } from '../../src/core/drift/binned-wasserstein.ts';
import { numericProfile, quantileSorted } from '../../src/core/drift/build-profile.ts';
import { type Random, seededRandom } from '../../src/core/drift/seeded-random.ts';
import { chiSquareDriftTest, chiSquareGoodnessOfFit } from '../../src/core/stats/chi-square.ts';
import { evidentlyBinnedSharesSorted } from '../../src/core/stats/evidently-binning.ts';
import { chiSquaredSurvival, lnGamma } from '../../src/core/stats/gamma-beta-functions.ts';
import { evidentlyNumericHellinger, hellingerDistance } from '../../src/core/stats/hellinger.ts';
import { jensenShannonDistance } from '../../src/core/stats/jensen-shannon.ts';
import { type KsMethod, ks2Sample } from '../../src/core/stats/ks.ts';
import { kolmogorovSmirnovSf, smirnovSf } from '../../src/core/stats/ks-distribution.ts';
import { psi } from '../../src/core/stats/psi.ts';
import { mixingPrior, rateShift } from '../../src/core/stats/rate-shift.ts';
import { normalizedWasserstein, sortedCopy, wasserstein } from '../../src/core/stats/wasserstein.ts';

const STAT_TOLERANCE = 1e-9;
const P_TOLERANCE = 1e-6;

type Case = { id: string; kind: string; [key: string]: unknown };
let peer: Record<string, Record<string, number | number[] | null>> = {};
const cases: Case[] = [];
const r = seededRandom(20261128);

const normals = (rand: Random, n: number, mean = 0, sd = 1) =>
  Array.from({ length: n }, () => mean + sd * rand.normal());
const lognormals = (rand: Random, n: number, mu: number, sigma: number) =>
  Array.from({ length: n }, () => Math.exp(mu + sigma * rand.normal()));
const ints = (rand: Random, n: number, bound: number) => Array.from({ length: n }, () => rand.int(bound));
/** Rounded to 6 significant digits, like the training CSV: ties, as real data has. */
const rounded = (values: number[]) => values.map((v) => Number(v.toPrecision(6)));

// ---- KS: scipy's method choice (exact <= 10,000 per sample, else asymptotic) and each branch of kstwo
const ksCases: { id: string; a: number[]; b: number[]; method: KsMethod }[] = [];
const ksSpecs: [number, number, number, KsMethod][] = [
  [5, 7, 0, 'auto'],
  [20, 20, 0.5, 'auto'],
  [100, 130, 0.2, 'auto'],
  [999, 1001, 0.1, 'auto'],
  [3000, 7000, 0.05, 'auto'],
  [10000, 10000, 0.03, 'auto'],
  [10001, 10001, 0.02, 'auto'],
  [8, 9000, 0.5, 'auto'],
  [40, 60, 0.3, 'asymp'], // en = 24: Durbin matrix / Pomeranz / Smirnov (n <= 140)
  [150, 170, 0.1, 'asymp'],
  [300, 450, 0.25, 'asymp'],
  [20000, 30000, 0.01, 'auto'], // en = 12000: Durbin matrix for small d
  [200000, 250000, 0.005, 'auto'], // en > 100,000: Pelz-Good
  [100000, 100000, 0.03, 'auto'], // large d: 2 x Smirnov
];
for (const [n1, n2, shift, method] of ksSpecs) {
  ksCases.push({ id: `ks ${n1}x${n2} shift ${shift} ${method}`, a: normals(r, n1), b: normals(r, n2, shift), method });
}
ksCases.push({ id: 'ks with ties (integers)', a: ints(r, 500, 5), b: ints(r, 700, 6), method: 'auto' });
ksCases.push({
  id: 'ks with ties (6 significant digits, lognormal)',
  a: rounded(lognormals(r, 4000, 3.8, 0.6)),
  b: rounded(lognormals(r, 6000, 3.85, 0.6)),
  method: 'auto',
});
for (const c of ksCases) cases.push({ ...c, kind: 'ks' });

const kstwoGrid: [number, number][] = [
  [10, 0.05],
  [10, 0.2],
  [10, 0.45],
  [10, 0.7],
  [50, 0.08],
  [50, 0.15],
  [50, 0.3],
  [140, 0.04],
  [140, 0.12],
  [141, 0.05],
  [1000, 0.02],
  [1000, 0.05],
  [50000, 0.002],
  [50000, 0.01],
  [150000, 0.003],
  [150000, 0.004],
  [2_000_000, 0.001],
];
for (const [n, d] of kstwoGrid) cases.push({ id: `kstwo n=${n} d=${d}`, kind: 'kstwo', n, d });
for (const [n, d] of [
  [5, 0.3],
  [100, 0.1],
  [2000, 0.05],
  [200000, 0.004],
  [2_000_000, 0.001],
] as [number, number][]) {
  cases.push({ id: `smirnov n=${n} d=${d}`, kind: 'smirnov', n, d });
}

// ---- Wasserstein (scipy) and its Evidently normalisation
const wCases = [
  { id: 'wasserstein normal shift', a: normals(r, 3000), b: normals(r, 2000, 0.25) },
  { id: 'wasserstein variance x1.5', a: normals(r, 5000), b: normals(r, 5000, 0, Math.sqrt(1.5)) },
  {
    id: 'wasserstein lognormal with ties',
    a: rounded(lognormals(r, 4000, 3.8, 0.6)),
    b: rounded(lognormals(r, 3000, 3.9, 0.7)),
  },
  { id: 'wasserstein near-constant reference (std floor 0.001)', a: Array(500).fill(2), b: normals(r, 300, 2, 0.01) },
];
for (const c of wCases) cases.push({ ...c, kind: 'wasserstein' });

// ---- Evidently's binned statistics (PSI with its epsilon rule, Jensen-Shannon, Hellinger, chi-square)
const binnedCases: { id: string; ref: number[]; cur: number[]; numeric: boolean }[] = [
  { id: 'evidently numeric normal shift', ref: normals(r, 5000), cur: normals(r, 4000, 0.25), numeric: true },
  {
    id: 'evidently numeric variance x1.5',
    ref: normals(r, 5000),
    cur: normals(r, 4000, 0, Math.sqrt(1.5)),
    numeric: true,
  },
  {
    id: 'evidently numeric current on a sub-range (empty bins, epsilon 1e-4)',
    ref: normals(r, 3000),
    cur: normals(r, 800, 1.5, 0.2),
    numeric: true,
  },
  {
    id: 'evidently numeric single-count bins (epsilon min/1e6)',
    ref: [...normals(r, 30000), 40],
    cur: normals(r, 20000, 0.1),
    numeric: true,
  },
  {
    id: 'evidently numeric with few values (value bins)',
    ref: ints(r, 3000, 8),
    cur: ints(r, 2000, 10),
    numeric: true,
  },
  { id: 'evidently categorical', ref: ints(r, 4000, 6), cur: ints(r, 3000, 6), numeric: false },
  // A category the reference never had: an expected count of 0, chi-square p 0 (it was NaN).
  {
    id: 'evidently categorical with a category new in current',
    ref: ints(r, 4000, 5),
    cur: ints(r, 3000, 6),
    numeric: false,
  },
];
for (const c of binnedCases) cases.push({ ...c, kind: 'evidently_binned' });

// ---- chi-square, chi2.sf, gammaln, Jensen-Shannon on vectors, numpy quantiles
cases.push({ id: 'chisquare', kind: 'chisquare', observed: [18, 22, 31, 29], expected: [25, 25, 25, 25] });
for (const [x, df] of [
  [0.5, 1],
  [3.2, 4],
  [40, 9],
  [12, 30],
  [200, 150],
  [1e-3, 2],
] as [number, number][]) {
  cases.push({ id: `chi2.sf(${x}, ${df})`, kind: 'chi2sf', x, df });
}
const gammaX = [0.1, 0.5, 1, 1.5, 2.5, 7.3, 14.9, 15, 170.5, 1234.5, 1e5 + 0.5, 3e6];
cases.push({ id: 'gammaln', kind: 'gammaln', x: gammaX });
cases.push({ id: 'jensenshannon vectors', kind: 'jensenshannon', p: [0.1, 0.4, 0.5, 0], q: [0.3, 0.3, 0.2, 0.2] });
const qx = rounded(lognormals(r, 10001, 3.8, 0.6)).sort((a, b) => a - b);
const qp = Array.from({ length: 9 }, (_, i) => (i + 1) / 10);
cases.push({ id: 'numpy quantiles', kind: 'quantile', x: qx, p: qp });

// ---- binned Wasserstein equals scipy's on the profile's support points with the bin shares as weights
const profileOptions = { bins: 10, maxDiscreteValues: 20, sampleSize: 0, seed: 1 };
const continuous = numericProfile('amount', rounded(lognormals(r, 20000, 3.8, 0.6)), profileOptions, 1);
const discrete = numericProfile('txn_count', ints(r, 20000, 7), profileOptions, 1);
const binnedW = [
  {
    id: 'binned wasserstein continuous',
    feature: continuous,
    cur: [3, ...ints(r, 10, 900).map((c) => c + 50), 7, 2, 0],
  },
  { id: 'binned wasserstein discrete', feature: discrete, cur: [120, 80, 200, 50, 30, 10, 90, 4, 9, 0] },
];
for (const b of binnedW) {
  const k = b.feature.lower.length;
  const cur = b.cur.slice(0, k + 3);
  while (cur.length < k + 3) cur.push(0);
  b.cur = cur;
  const points = [b.feature.moments.min, ...b.feature.means, b.feature.max];
  const ref = [0, ...b.feature.counts, 0];
  const curOrdered = [cur[k] as number, ...cur.slice(0, k), cur[k + 1] as number];
  cases.push({ id: b.id, kind: 'weighted_wasserstein', points, wr: ref, wc: curOrdered });
}

// ---- the rate-shift confidence sequence: boundary equation solved by scipy (betaln + brentq)
const rateCases: { id: string; s: number; n: number; p0: number }[] = [
  { id: 'rate shift 2.0% -> 2.2% at 200k', s: 4400, n: 200000, p0: 0.02 },
  { id: 'rate shift no change at 50k', s: 500, n: 50000, p0: 0.01 },
  { id: 'rate shift fractional counts (Prometheus increase)', s: 12.7, n: 1003.4, p0: 0.011 },
  { id: 'rate shift zero successes', s: 0, n: 5000, p0: 0.01 },
];
const rateResults = rateCases.map((c) => ({
  ...c,
  ours: rateShift(c.s, c.n, c.p0, { alpha: 0.01, designSamples: 100000 }),
}));
for (const c of rateResults) {
  const { a, b } = mixingPrior(c.p0, { alpha: 0.01, designSamples: 100000 });
  cases.push({
    id: c.id,
    kind: 'rateshift',
    s: c.s,
    n: c.n,
    a,
    b,
    alpha: 0.01,
    lo: c.ours.rateInterval[0],
    hi: c.ours.rateInterval[1],
  });
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'drift-peers-'));
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
  try {
    execFileSync(
      paths.peersPython(),
      ['test/integration/fixtures/drift_peers.py', join(dir, 'cases.json'), join(dir, 'out.json')],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 170_000 },
    );
  } catch (error) {
    throw new Error(
      `the reference implementations did not run (${paths.peersPython()}; scripts/setup.sh step 5 installs them): ${(error as Error).message}`,
    );
  }
  peer = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const close = (ours: number, theirs: number, tolerance: number) => {
  const scale = Math.max(1, Math.abs(theirs));
  expect(Math.abs(ours - theirs), `ours ${ours} vs peer ${theirs}`).toBeLessThanOrEqual(tolerance * scale);
};
const peerOf = (id: string) => {
  const value = peer[id];
  if (!value) throw new Error(`no peer result for ${id}`);
  return value as Record<string, number>;
};

describe('Kolmogorov-Smirnov equals scipy.stats.ks_2samp', () => {
  it.each(ksCases)('$id', ({ id, a, b, method }) => {
    const ours = ks2Sample(a, b, method);
    close(ours.statistic, peerOf(id).statistic as number, STAT_TOLERANCE);
    close(ours.pValue, peerOf(id).pvalue as number, P_TOLERANCE);
  });

  it.each(kstwoGrid)('kstwo.sf at n=%d, d=%d', (n, d) => {
    close(kolmogorovSmirnovSf(n, d), peerOf(`kstwo n=${n} d=${d}`).sf as number, P_TOLERANCE);
  });

  it.each([
    [5, 0.3],
    [100, 0.1],
    [2000, 0.05],
    [200000, 0.004],
    [2_000_000, 0.001],
  ])('scipy.special.smirnov at n=%d, d=%d', (n, d) => {
    close(smirnovSf(n, d), peerOf(`smirnov n=${n} d=${d}`).sf as number, P_TOLERANCE);
  });
});

describe('Wasserstein equals scipy and Evidently (normed)', () => {
  it.each(wCases)('$id', ({ id, a, b }) => {
    close(wasserstein(a, b), peerOf(id).w as number, STAT_TOLERANCE);
    close(normalizedWasserstein(a, b), peerOf(id).norm as number, STAT_TOLERANCE);
  });

  it.each(binnedW)('$id: the binned form is W1 of the bin centroids (scipy, weighted)', ({ id, feature, cur }) => {
    const k = feature.lower.length;
    const reference = [...feature.counts, 0, 0, feature.missing];
    close(binnedWasserstein(feature, reference, cur.slice(0, k + 3)), peerOf(id).w as number, STAT_TOLERANCE);
  });
});

describe("Evidently's binned statistics on raw samples", () => {
  it.each(binnedCases)('$id', ({ id, ref, cur, numeric }) => {
    const a = sortedCopy(ref);
    const b = sortedCopy(cur);
    const filled = evidentlyBinnedSharesSorted(a, b, numeric, true);
    const raw = evidentlyBinnedSharesSorted(a, b, numeric, false);
    const expected = peerOf(id);
    close(psi(filled.reference, filled.current), expected.psi as number, STAT_TOLERANCE);
    close(jensenShannonDistance(raw.reference, raw.current), expected.jensenshannon as number, STAT_TOLERANCE);
    const hellinger = numeric ? evidentlyNumericHellinger(ref, cur) : hellingerDistance(raw.reference, raw.current);
    close(hellinger, expected.hellinger as number, STAT_TOLERANCE);
    if (!numeric) {
      const chi = chiSquareDriftTest(
        raw.reference.map((s) => s * ref.length),
        raw.current.map((s) => s * cur.length),
      );
      close(chi.pValue, expected.chisquare_p as number, P_TOLERANCE);
    }
  });
});

describe('chi-square, special functions, vectors and quantiles equal scipy / numpy', () => {
  it('chisquare goodness of fit', () => {
    const ours = chiSquareGoodnessOfFit([18, 22, 31, 29], [25, 25, 25, 25]);
    close(ours.statistic, peerOf('chisquare').statistic as number, STAT_TOLERANCE);
    close(ours.pValue, peerOf('chisquare').pvalue as number, P_TOLERANCE);
  });

  it.each([
    [0.5, 1],
    [3.2, 4],
    [40, 9],
    [12, 30],
    [200, 150],
    [1e-3, 2],
  ])('chi2.sf(%d, %d)', (x, df) => {
    close(chiSquaredSurvival(x, df), peerOf(`chi2.sf(${x}, ${df})`).sf as number, P_TOLERANCE);
  });

  it('gammaln to 1e-9 relative', () => {
    const expected = peer.gammaln?.values as number[];
    gammaX.forEach((x, i) => {
      close(lnGamma(x), expected[i] as number, STAT_TOLERANCE);
    });
  });

  it('scipy.spatial.distance.jensenshannon', () => {
    close(
      jensenShannonDistance([0.1, 0.4, 0.5, 0], [0.3, 0.3, 0.2, 0.2]),
      peerOf('jensenshannon vectors').d as number,
      STAT_TOLERANCE,
    );
  });

  it('numpy.quantile (the profile bin edges)', () => {
    const expected = peer['numpy quantiles']?.q as number[];
    qp.forEach((p, i) => {
      close(quantileSorted(qx, p), expected[i] as number, STAT_TOLERANCE);
    });
  });
});

describe('rate-shift confidence sequence: the boundary M_n(p) = 1/alpha, solved by scipy', () => {
  it.each(rateResults)('$id', ({ id, ours }) => {
    const expected = peerOf(id);
    close(ours.rateInterval[0], expected.lo as number, STAT_TOLERANCE);
    close(ours.rateInterval[1], expected.hi as number, STAT_TOLERANCE);
    if (expected.logm_lo !== null) close(expected.logm_lo as number, expected.bound as number, 1e-6);
    close(expected.logm_hi as number, expected.bound as number, 1e-6);
  });
});
