/**
 * `npm run bench -- drift --json`: our drift statistics side by side with Evidently and
 * alibi-detect on identical seeded data (1e6 rows x 20 features, and 1e5 x 100; reference
 * and current the same size), in one run: wall time (median of the reps) and peak RSS of
 * each tool in its own process, the ratios, and the largest difference between our
 * statistics and theirs. Plus streaming updates per second of the in-process path.
 *
 * Evidently is slow on these sizes, so it runs fewer reps than we do (the figures name
 * the reps). Its full Report (DataDriftPreset, Wasserstein, its numeric default) takes
 * about a minute on 1e5 x 100 and is run once, on that table only.
 *
 * Options: --quick (sizes / 10, for a smoke run), --reps N (ours; default 5).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from '../src/adapters/process/paths.ts';
import { binLabel } from '../src/core/drift/bins.ts';
import { featureProfileOf, parseReferenceProfile } from '../src/core/drift/profile.ts';
import { type Random, seededRandom } from '../src/core/drift/seeded-random.ts';
import { StreamAccumulator } from '../src/core/drift/window.ts';

interface Dataset {
  name: string;
  rows: number;
  features: number;
  oursReps: number;
  evidentlyReps: number;
  report: boolean;
  alibiReps: number;
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (x: number, digits = 3) => Number(x.toPrecision(digits));

/**
 * Column j of a table: five kinds of columns (normal, log-normal rounded to 6 digits like
 * the training CSV, Poisson counts, uniform, normal), a third of them drifted in the current table.
 */
function column(rand: Random, rows: number, j: number, drifted: boolean): Float64Array {
  const out = new Float64Array(rows);
  const shift = drifted ? 0.1 : 0;
  for (let i = 0; i < rows; i++) {
    switch (j % 5) {
      case 0:
        out[i] = rand.normal() + shift;
        break;
      case 1:
        out[i] = Number(Math.exp(3.8 + 0.6 * rand.normal() + shift).toPrecision(6));
        break;
      case 2: {
        let k = 0;
        let p = Math.exp(-(2.2 + shift));
        let c = p;
        const u = rand.next();
        while (u > c && k < 60) {
          k++;
          p *= (2.2 + shift) / k;
          c += p;
        }
        out[i] = k;
        break;
      }
      case 3:
        out[i] = rand.next() * (1 + shift);
        break;
      default:
        out[i] = rand.normal() * (1 + shift);
    }
  }
  return out;
}

function writeTable(dir: string, file: string, rows: number, features: number, seed: number, drift: boolean): void {
  const rand = seededRandom(seed);
  const all = new Float64Array(rows * features);
  for (let j = 0; j < features; j++) all.set(column(rand, rows, j, drift && j % 3 === 0), j * rows);
  writeFileSync(join(dir, file), Buffer.from(all.buffer));
}

function runJson(command: string, args: string[], label: string): Record<string, unknown> {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 540_000 });
  if (result.status !== 0) throw new Error(`${label} failed (exit ${result.status}): ${result.stderr?.slice(-2000)}`);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

function maxAbsDiff(a: number[] | undefined, b: number[] | undefined): number | null {
  if (!a || !b || a.length !== b.length) return null;
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number))), 0);
}

function streaming(): Record<string, unknown> {
  const profileFile = join(paths.modelRepository(), 'reference_profile.json');
  const dataFile = join(paths.root(), 'serving', 'data', 'test.csv');
  if (!existsSync(profileFile) || !existsSync(dataFile)) {
    return { skipped: `needs ${profileFile} and ${dataFile} (scripts/setup.sh)` };
  }
  const profile = parseReferenceProfile(JSON.parse(readFileSync(profileFile, 'utf8')));
  const lines = readFileSync(dataFile, 'utf8').trimEnd().split('\n');
  const header = (lines[0] as string).split(',');
  const records = lines.slice(1).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(
      header.map((h, i) => [h, h === 'merchant_category' || h === 'channel' ? cells[i] : Number(cells[i])]),
    );
  });
  const rows = 1_000_000;
  const runs: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const accumulator = new StreamAccumulator(profile, { sampleSize: 5000, seed: 1 });
    const t = performance.now();
    for (let i = 0; i < rows; i++) {
      accumulator.add(records[i % records.length] as Record<string, number | string>, { variant: 'v1', label: '0' });
    }
    accumulator.snapshot();
    runs.push(rows / ((performance.now() - t) / 1000));
  }
  // the gateway's path: binLabel per value, straight from the profile (no compiled state)
  const features = profile.features.map((f) => featureProfileOf(profile, f.name));
  const labelRuns: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    let calls = 0;
    for (let i = 0; i < 200_000; i++) {
      const record = records[i % records.length] as Record<string, number | string>;
      for (const f of features) {
        if (f) binLabel(f, record[f.name]);
        calls++;
      }
    }
    labelRuns.push(calls / ((performance.now() - t) / 1000));
  }
  return {
    features: profile.features.length,
    rows_per_s: round(median(runs)),
    values_per_s: round(median(runs) * profile.features.length),
    gateway_binLabel_calls_per_s: round(median(labelRuns)),
    note: 'StreamAccumulator.add(record) with 13 fraud features (11 numeric with reservoir samples, 2 categorical) and a prediction; median of 3 runs of 1e6 rows',
  };
}

export default async function drift(args: string[]): Promise<Record<string, unknown>> {
  const quick = args.includes('--quick');
  const repsIndex = args.indexOf('--reps');
  const oursReps = repsIndex >= 0 ? Number(args[repsIndex + 1]) : 5;
  const scale = quick ? 10 : 1;
  const datasets: Dataset[] = [
    { name: '1e6x20', rows: 1_000_000 / scale, features: 20, oursReps, evidentlyReps: 1, report: false, alibiReps: 2 },
    { name: '1e5x100', rows: 100_000 / scale, features: 100, oursReps, evidentlyReps: 2, report: true, alibiReps: 2 },
  ];
  const python = paths.peersPython();
  if (!existsSync(python)) throw new Error(`${python} is missing: scripts/setup.sh step 5 installs the peers`);
  const started = Date.now();
  const figures: Record<string, unknown> = {
    machine: { cpus: cpus().length, node: process.version },
    quick,
  };
  for (const d of datasets) {
    const dir = mkdtempSync(join(tmpdir(), `bench-drift-${d.name}-`));
    try {
      writeTable(dir, 'reference.f64', d.rows, d.features, 1, false);
      writeTable(dir, 'current.f64', d.rows, d.features, 2, true);
      writeFileSync(
        join(dir, 'meta.json'),
        JSON.stringify({ referenceRows: d.rows, currentRows: d.rows, features: d.features }),
      );
      const ours = runJson(
        process.execPath,
        [join(import.meta.dirname, '_drift-ours.ts'), dir, String(d.oursReps)],
        'ours',
      );
      const peer = (tool: string, reps: number) =>
        runJson(python, [join(import.meta.dirname, 'peers', 'drift_bench.py'), tool, dir, String(reps)], tool);
      const evidently = peer('evidently-stattests', d.evidentlyReps);
      const report = d.report ? peer('evidently-report', 1) : undefined;
      const alibi = peer('alibi-ks', d.alibiReps);

      const oursStats = ours.stats as Record<string, number[]>;
      const evStats = evidently.stats as Record<string, number[]>;
      const cold = median(ours.cold_s as number[]);
      const warm = median(ours.warm_s as number[]);
      const monitor = median(ours.monitor_s as number[]);
      const ksOnly = median(ours.ks_only_s as number[]);
      const evidentlyS = median(evidently.times_s as number[]);
      const alibiS = median(alibi.times_s as number[]);
      const entry: Record<string, unknown> = {
        rows: d.rows,
        features: d.features,
        tests:
          'per feature: KS p-value (scipy method choice), normed Wasserstein, PSI and Jensen-Shannon on Evidently bins',
        ours: {
          reps: d.oursReps,
          cold_s: round(cold),
          warm_s: round(warm),
          reference_prepare_s: round(ours.reference_prepare_s as number),
          ks_only_s: round(ksOnly),
          monitor_binned_s: round(monitor),
          profile_build_s: round(ours.profile_build_s as number),
          monitor_drifting_features: ours.monitor_drifting_features,
          peak_rss_mb: round(ours.peak_rss_mb as number),
          rss_after_load_mb: round(ours.rss_after_load_mb as number),
        },
        evidently_stattests: {
          reps: d.evidentlyReps,
          median_s: round(evidentlyS),
          peak_rss_mb: round(evidently.peak_rss_mb as number),
          rss_after_load_mb: round(evidently.rss_after_load_mb as number),
        },
        alibi_ks: {
          reps: d.alibiReps,
          median_s: round(alibiS),
          peak_rss_mb: round(alibi.peak_rss_mb as number),
        },
        speedup: {
          evidently_stattests_over_ours_cold: round(evidentlyS / cold),
          evidently_stattests_over_ours_warm: round(evidentlyS / warm),
          evidently_stattests_over_ours_monitor: round(evidentlyS / monitor),
          alibi_ks_over_ours_ks: round(alibiS / ksOnly),
        },
        memory_ratio: {
          evidently_peak_over_ours_peak: round((evidently.peak_rss_mb as number) / (ours.peak_rss_mb as number)),
        },
        max_abs_diff_vs_evidently: {
          ks_p: maxAbsDiff(oursStats.ks_p, evStats.ks_p),
          wasserstein: maxAbsDiff(oursStats.wasserstein, evStats.wasserstein),
          psi: maxAbsDiff(oursStats.psi, evStats.psi),
          jensenshannon: maxAbsDiff(oursStats.jensenshannon, evStats.jensenshannon),
        },
        // alibi-detect forces the asymptotic KS and stores p-values as float32
        max_abs_diff_vs_alibi_ks_p: maxAbsDiff(
          ours.ks_asymp_p as number[],
          (alibi.stats as Record<string, number[]>).ks_p,
        ),
      };
      if (report) {
        const reportS = median(report.times_s as number[]);
        entry.evidently_report = {
          reps: 1,
          method: 'wasserstein (DataDriftPreset)',
          median_s: round(reportS),
          peak_rss_mb: round(report.peak_rss_mb as number),
        };
        (entry.speedup as Record<string, number>).evidently_report_over_ours_cold = round(reportS / cold);
        entry.max_abs_diff_vs_evidently_report_wasserstein = maxAbsDiff(
          oursStats.wasserstein,
          (report.stats as Record<string, number[]>).wasserstein,
        );
      } else {
        entry.evidently_report = { skipped: 'about 2 minutes per run at this size; measured on 1e5x100 only' };
      }
      figures[d.name] = entry;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  figures.streaming = streaming();
  figures.wall_s = round((Date.now() - started) / 1000);
  return figures;
}
