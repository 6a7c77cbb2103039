/**
 * Our side of bench/drift.ts, in its own process so that its peak RSS is its own.
 *
 *   node bench/_drift-ours.ts DATA_DIR REPS
 *
 * Times, on the files the parent wrote (medians are taken by the parent):
 * - cold: from raw columns, per feature: sort both, KS (scipy's method choice), normed
 *   Wasserstein, PSI and Jensen-Shannon on Evidently's bins: the same four tests as the
 *   Evidently run, with identical values;
 * - ks: KS alone from raw columns (what alibi-detect's KSDrift computes);
 * - warm: the reference prepared once (sorted, std: what a profile holds), then per check
 *   only the current window is sorted;
 * - monitor: our production path: the reference profile built once, then the window
 *   counted into its bins (StreamAccumulator) and judged (detectDrift).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROFILE_OPTIONS, numericProfile } from '../src/core/drift/build-profile.ts';
import { detectDrift } from '../src/core/drift/detect.ts';
import { PROFILE_FORMAT, PROFILE_VERSION, type ReferenceProfile } from '../src/core/drift/profile.ts';
import { StreamAccumulator } from '../src/core/drift/window.ts';
import { DEFAULT_CATEGORICAL_RULES, DEFAULT_NUMERIC_RULES } from '../src/core/spec/kinds/drift-monitor.ts';
import { evidentlyBinnedSharesSorted } from '../src/core/stats/evidently-binning.ts';
import { jensenShannonDistance } from '../src/core/stats/jensen-shannon.ts';
import { ks2SampleSorted, ksTest } from '../src/core/stats/ks.ts';
import { fillZeroShares, psi } from '../src/core/stats/psi.ts';
import { sortedFloat64 } from '../src/core/stats/sort-float64.ts';
import { ksAndWassersteinSorted } from '../src/core/stats/two-sample-sorted.ts';
import { populationStd, wassersteinNormalizer } from '../src/core/stats/wasserstein.ts';

export interface BenchMeta {
  referenceRows: number;
  currentRows: number;
  features: number;
}

const [dataDir = '', repsText = '3'] = process.argv.slice(2);
const reps = Number(repsText);
const meta = JSON.parse(readFileSync(join(dataDir, 'meta.json'), 'utf8')) as BenchMeta;

function columns(file: string, rows: number): Float64Array[] {
  const buffer = readFileSync(join(dataDir, file));
  const all = new Float64Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 8);
  return Array.from({ length: meta.features }, (_, j) => all.subarray(j * rows, (j + 1) * rows));
}

const reference = columns('reference.f64', meta.referenceRows);
const current = columns('current.f64', meta.currentRows);
const rssAfterLoadMb = process.memoryUsage().rss / 1048576;

// Buffers reused from column to column (as a service checking many features would).
const buffers = new Map<number, Float64Array[]>();
const buffer = (length: number, slot: number): Float64Array => {
  const list = buffers.get(length) ?? [];
  buffers.set(length, list);
  list[slot] ??= new Float64Array(length);
  return list[slot] as Float64Array;
};
/** Sorted into one of two reusable slots (0: reference, 1: current). */
const sorted = (x: Float64Array, slot: number) => sortedFloat64(x, buffer(x.length, slot), buffer(x.length, 2));

interface Stats {
  ks_p: number[];
  wasserstein: number[];
  psi: number[];
  jensenshannon: number[];
}

function fourTests(ref: Float64Array, cur: Float64Array, refStd: number, out: Stats): void {
  // one merge pass for both
  const merged = ksAndWassersteinSorted(ref, cur);
  out.ks_p.push(ksTest(merged.ks, ref.length, cur.length).pValue);
  out.wasserstein.push(merged.wasserstein / wassersteinNormalizer(refStd));
  const raw = evidentlyBinnedSharesSorted(ref, cur, true, false);
  out.jensenshannon.push(jensenShannonDistance(raw.reference, raw.current));
  out.psi.push(psi(fillZeroShares(raw.reference, 'evidently'), fillZeroShares(raw.current, 'evidently')));
}

const time = (fn: () => void): number => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
};

const result: Record<string, unknown> = {};
let stats: Stats | undefined;

// cold: everything from raw columns
result.cold_s = Array.from({ length: reps }, () =>
  time(() => {
    const out: Stats = { ks_p: [], wasserstein: [], psi: [], jensenshannon: [] };
    for (let j = 0; j < meta.features; j++) {
      const ref = reference[j] as Float64Array;
      fourTests(sorted(ref, 0), sorted(current[j] as Float64Array, 1), populationStd(ref), out);
    }
    stats = out;
  }),
);

// KS alone from raw columns, with alibi-detect's KSDrift choice of method ('asymp' always)
let ksAsymp: number[] = [];
result.ks_only_s = Array.from({ length: reps }, () =>
  time(() => {
    ksAsymp = [];
    for (let j = 0; j < meta.features; j++) {
      ksAsymp.push(
        ks2SampleSorted(sorted(reference[j] as Float64Array, 0), sorted(current[j] as Float64Array, 1), 'asymp').pValue,
      );
    }
  }),
);

// warm: the reference prepared once
let prepared: { sorted: Float64Array; std: number }[] = [];
result.reference_prepare_s = time(() => {
  prepared = reference.map((r) => ({ sorted: sortedFloat64(r), std: populationStd(r) }));
});
result.warm_s = Array.from({ length: reps }, () =>
  time(() => {
    const out: Stats = { ks_p: [], wasserstein: [], psi: [], jensenshannon: [] };
    for (let j = 0; j < meta.features; j++) {
      const p = prepared[j] as { sorted: Float64Array; std: number };
      fourTests(p.sorted, sorted(current[j] as Float64Array, 1), p.std, out);
    }
  }),
);

// monitor: profile once, then bin counts + verdicts
let profile: ReferenceProfile | undefined;
result.profile_build_s = time(() => {
  profile = {
    format: PROFILE_FORMAT,
    version: PROFILE_VERSION,
    source: { data: 'bench', rows: meta.referenceRows, sha256: 'none' },
    options: DEFAULT_PROFILE_OPTIONS,
    features: reference.map((r, j) => numericProfile(`f${j}`, r, DEFAULT_PROFILE_OPTIONS, j)),
  };
});
const settings = {
  model: 'bench',
  minSamples: 1000,
  rules: { numeric: DEFAULT_NUMERIC_RULES, categorical: DEFAULT_CATEGORICAL_RULES },
  features: {},
  categoryShare: { alpha: 0.01, designSamples: 100_000 },
  predictions: { label: '1', tolerance: 0.1, alpha: 0.01, designSamples: 100_000 },
};
let drifting = 0;
result.monitor_s = Array.from({ length: reps }, () =>
  time(() => {
    const accumulator = new StreamAccumulator(profile as ReferenceProfile, { sampleSize: 0, seed: 1 });
    for (let j = 0; j < meta.features; j++) accumulator.addColumn(`f${j}`, current[j] as Float64Array);
    const report = detectDrift(profile as ReferenceProfile, settings, accumulator.snapshot());
    drifting = report.features.filter((f) => f.outcome === 'drift').length;
  }),
);
result.monitor_drifting_features = drifting;
result.peak_rss_mb = process.resourceUsage().maxRSS / 1024;
result.rss_after_load_mb = rssAfterLoadMb;
result.stats = stats;
result.ks_asymp_p = ksAsymp;
console.log(JSON.stringify(result));
