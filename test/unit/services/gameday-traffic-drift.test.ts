import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDatasetCsv } from '../../../src/adapters/files/dataset-csv.ts';
import { loadExperimentFile } from '../../../src/adapters/files/experiment-file.ts';
import { paths } from '../../../src/adapters/process/paths.ts';
import { TrafficGenerator } from '../../../src/core/chaos/traffic.ts';
import { detectDrift } from '../../../src/core/drift/detect.ts';
import { StreamAccumulator } from '../../../src/core/drift/window.ts';
import { createPayloadMix, type LoadRequest, predictBody } from '../../../src/core/load/payload-mix.ts';
import { featureSchemaFile } from '../../../src/core/spec/feature-schema.ts';
import { parseSpec } from '../../../src/core/spec/parse.ts';
import { loadMonitor } from '../../../src/services/drift/monitor.ts';
import {
  DRIFT_SHIFT,
  gameDayTraffic,
  HOT_KEY_ROTATION,
  referenceRows,
  shiftedFeatures,
} from '../../../src/services/gameday/baseline-traffic.ts';
import { FULL_SUITE } from '../../../src/services/gameday/chaos-suite.ts';
import { driftWindowClearAt } from '../../../src/services/gameday/shifted-traffic-phase.ts';

/**
 * Issue 19, "the game day's own traffic": the project's own drift detector, with the
 * project's DriftMonitor (steadystate.yaml) and reference profile, judges windows of the
 * game day's generated traffic counted into the same bins the gateway counts. Baseline
 * traffic must raise nothing; the shifted mix must raise exactly the shifted features.
 * Windows of 4,800 rows: the full game day's drift window (1 min at 80 req/s); 2,400 rows,
 * the quick one's (1 min at 40 req/s); and 15,000 rows, the full window before it was cut
 * from 3 min to 1 (a stricter test: more rows, more power to see the mix's clustering).
 */
const specFile = join(paths.root(), 'steadystate.yaml');
const monitor = loadMonitor(parseSpec(readFileSync(specFile, 'utf8'), specFile), undefined, { root: paths.root() });
const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
const rows = referenceRows(monitor.profile, schema, paths.root());
const WINDOW = 15_000;

/** Features flagged as drifting in one window of `next()` (the Prometheus path: bins only, no samples). */
function flagged(next: () => LoadRequest, n = WINDOW): string[] {
  const window = new StreamAccumulator(monitor.profile, { sampleSize: 0, seed: 1 });
  for (let i = 0; i < n; i++) window.add(next().features);
  const report = detectDrift(monitor.profile, monitor.settings, window.snapshot());
  return report.features.filter((f) => f.outcome === 'drift').map((f) => f.feature);
}

describe("the game day's traffic against the drift reference", () => {
  it.each([
    [7, WINDOW],
    [8, WINDOW],
    [9, WINDOW],
    // Both game days' window now: 1 min at 80 req/s (full) holds 4,800 rows.
    ...[7, 8, 9].map((seed) => [seed, 4_800]),
    // The quick game day's window: 1 min at 40 req/s.
    ...[1, 2, 3, 4, 5].map((seed) => [seed, 2_400]),
  ])('baseline traffic (seed %i, %i rows) raises no drift on any feature', (seed, n) => {
    const traffic = gameDayTraffic(schema, rows, seed);
    expect(flagged(() => traffic.next(), n)).toEqual([]);
  });

  // Measured: 7 of 300 such windows flag a feature for the moment (GAME_DAY_MIX's comment);
  // independent rows: none of 500; the former mix: 100 of 100.
  it('over 100 more full windows, at most 5 flag anything', () => {
    let windows = 0;
    for (let seed = 100; seed < 200; seed++) {
      const traffic = gameDayTraffic(schema, rows, seed);
      if (flagged(() => traffic.next()).length > 0) windows++;
    }
    expect(windows).toBeLessThanOrEqual(5);
  });

  it.each([7, 8])('shifted traffic (seed %i) raises drift on exactly the shifted features', (seed) => {
    const traffic = gameDayTraffic(schema, rows, seed);
    traffic.setShifted(true);
    expect(flagged(() => traffic.next())).toEqual(shiftedFeatures(DRIFT_SHIFT));
    expect(shiftedFeatures(DRIFT_SHIFT)).toEqual(['amount', 'card_present', 'channel']);
  });

  it('switching the shift off returns to the baseline', () => {
    const traffic = gameDayTraffic(schema, rows, 11);
    traffic.setShifted(true);
    traffic.next();
    traffic.setShifted(false);
    expect(flagged(() => traffic.next())).toEqual([]);
  });

  it('refuses data that is not the file the profile was built from (sha256), naming the fix', () => {
    const other = { ...monitor.profile, source: { ...monitor.profile.source, sha256: '0'.repeat(64) } };
    expect(() => referenceRows(other, schema, paths.root())).toThrow(
      /train\.csv has sha256 .*but the reference profile was built from 0000000000000000\.\.\.; rebuild the profile \(steadystate drift profile --data serving\/data\/train\.csv/,
    );
  });

  it('the former mix (synthesised rows, one fixed hot body) raised the merchant_category ticket', () => {
    // Kept as the defect's witness: 5% of traffic on one "grocery" body is +17% relative.
    const old = createPayloadMix(schema, { seed: 7, populationSeed: 7 });
    expect(flagged(() => old.next())).toContain('merchant_category');
  });
});

describe('the payload mix with reference rows', () => {
  it('sends reference rows as they are (conformed to the schema), fraud-like where the row is fraud', () => {
    const mix = createPayloadMix(schema, { seed: 3, hotKeyShare: 0, repeatShare: 0 }, rows.slice(0, 50));
    const known = new Set(rows.slice(0, 50).map((r) => JSON.stringify(r.features)));
    for (let i = 0; i < 500; i++) {
      const r = mix.next();
      expect(known.has(JSON.stringify(r.features))).toBe(true);
      const row = rows.slice(0, 50).find((x) => JSON.stringify(x.features) === JSON.stringify(r.features));
      expect(r.fraudLike).toBe(row?.label === 1);
    }
  });

  it(`rotates the hot body every ${HOT_KEY_ROTATION} hot requests, each drawn from the reference`, () => {
    const mix = createPayloadMix(schema, { seed: 4, hotKeyRotation: HOT_KEY_ROTATION }, rows);
    const hot = Array.from({ length: 20_000 }, () => mix.next()).filter((r) => r.kind === 'hot');
    const runs: string[] = [];
    for (const r of hot) if (runs.at(-1) !== predictBody(r)) runs.push(predictBody(r));
    expect(runs.length).toBe(Math.ceil(hot.length / HOT_KEY_ROTATION));
    for (let i = 0; i < HOT_KEY_ROTATION; i++) expect(predictBody(hot[i] as LoadRequest)).toBe(runs[0]);
  });

  it.each<[string, Parameters<typeof createPayloadMix>[1], Parameters<typeof createPayloadMix>[2], RegExp]>([
    ['a negative rotation', { hotKeyRotation: -1 }, undefined, /hotKeyRotation must be an integer >= 0 .*got -1/],
    ['no reference rows', {}, [], /reference must hold at least one row, got none/],
  ])('refuses %s, naming it', (_name, options, reference, message) => {
    expect(() => createPayloadMix(schema, options, reference)).toThrow(message);
  });
});

describe("the chaos experiments' built-in load in the drift window (why the drift phase waits)", () => {
  // The full game day's drift window when the phase used to start right after the chaos suite:
  // one minute of game-day traffic (80 req/s) plus the suite's built-in loads (each
  // experiment's own `load`, ~25 s) through the same gateway. Their users repeat themselves
  // and hot keys dominate the stampede, so the window's category shares are off by chance.
  const testRows = readDatasetCsv(join(paths.root(), 'serving', 'data', 'test.csv'), schema, 6_000).map(
    (r) => r.features,
  );
  const loads = FULL_SUITE.map(
    (name) => loadExperimentFile(join(paths.root(), 'chaos', 'experiments', `${name}.yaml`)).spec.load,
  ).filter((l) => l !== undefined);

  function windowWithChaosLoads(seed: number): string[] {
    const window = new StreamAccumulator(monitor.profile, { sampleSize: 0, seed: 1 });
    const traffic = gameDayTraffic(schema, rows, seed);
    for (let i = 0; i < 4_800; i++) window.add(traffic.next().features);
    loads.forEach((load, k) => {
      const g = new TrafficGenerator(testRows, { ...load, seed: seed * 31 + k });
      for (let i = 0; i < load.rate * 25; i++) window.add(g.next().features);
    });
    return detectDrift(monitor.profile, monitor.settings, window.snapshot())
      .features.filter((f) => f.outcome === 'drift')
      .map((f) => f.feature);
  }

  it('the suite has built-in loads to account for', () => {
    expect(loads.length).toBeGreaterThanOrEqual(5);
  });

  it.each([1, 2, 3])('with them in the window (seed %i) the watcher flags features nobody shifted', (seed) => {
    const unshifted = windowWithChaosLoads(seed).filter((f) => !shiftedFeatures(DRIFT_SHIFT).includes(f));
    // merchant_category: the false alarm the full game day's drift phase used to report.
    expect(unshifted).toContain('merchant_category');
  });

  it('the shift starts only once the window has moved past the last built-in load, plus a scrape and a look', () => {
    expect(driftWindowClearAt(1_000_000, 60)).toBe(1_000_000 + 60_000 + 10_000);
    expect(driftWindowClearAt(0, 60)).toBeLessThan(Date.now()); // no chaos phase: no wait
  });
});
