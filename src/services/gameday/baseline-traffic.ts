import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { readDatasetCsv } from '../../adapters/files/dataset-csv.ts';
import { applyShift, type Shift } from '../../core/chaos/traffic.ts';
import type { ReferenceProfile } from '../../core/drift/profile.ts';
import { createPayloadMix, type LoadRequest, type ReferenceRow } from '../../core/load/payload-mix.ts';
import type { FeatureSchema } from '../../core/spec/feature-schema.ts';

/**
 * The game day's own traffic. Baseline rows are the rows the drift reference profile was
 * built from (its `source.data`, the training split), so the drift watcher sees the
 * reference distribution and a healthy run raises no FeatureDrift ticket; the drift phase
 * then applies one known shift, and the watcher must flag exactly its features.
 */

/** The playbook's "model drift" row: amounts triple and card-not-present online traffic dominates. */
export const DRIFT_SHIFT: Shift = { scale: { amount: 3 }, set: { channel: 'online', card_present: 0 } };

/** The features the shift moves: what the drift phase must flag, and nothing else. */
export function shiftedFeatures(shift: Shift = DRIFT_SHIFT): string[] {
  return [...new Set([...Object.keys(shift.scale), ...Object.keys(shift.set)])].sort();
}

/**
 * How clustered the game day's requests are. Every repeat and every hot request resends a
 * body already counted, so a window's bin shares vary more than for independent rows, while
 * the monitor's anytime-valid intervals assume independent rows. Measured with the project's
 * detector on windows of generated rows (test/unit/services/gameday-traffic-drift):
 * - the former mix (synthesised rows, 30% repeats, one fixed hot body at 5%): merchant_category
 *   flagged in 100 of 100 windows of 15,000 rows; 16 of 100 windows of 2,400 flag something;
 * - these settings (30% repeats, a 5% hot key whose body rotates every 5 of its requests):
 *   7 of 300 windows of 15,000 rows and 1 of 300 of 2,400 flag a feature for the moment (a
 *   ticket needs the flag to stand for a minute: `for: 1m`); a 20-request rotation: 17 of 200;
 * - independent rows: 0 of 500.
 * 15% repeats and a 2% hot key would reach 1 of 500, but would change the cache-hit share
 * the game day has always run with (its tier-share chart, the load Triton sees during each
 * experiment); these keep it.
 */
export const GAME_DAY_MIX = { repeatShare: 0.3, hotKeyShare: 0.05, hotKeyRotation: 5 } as const;
export const HOT_KEY_ROTATION = GAME_DAY_MIX.hotKeyRotation;

/**
 * The reference rows: the profile's source data, refused when it is not the file the profile
 * was built from (the profile records its sha256), since traffic drawn from other data would
 * drift against the reference by construction.
 */
export function referenceRows(profile: ReferenceProfile, schema: FeatureSchema, root: string): ReferenceRow[] {
  const file = isAbsolute(profile.source.data) ? profile.source.data : join(root, profile.source.data);
  if (!existsSync(file)) {
    throw new Error(
      `the reference profile was built from ${profile.source.data}, which is missing (${file}); run ./scripts/setup.sh (it trains the models and writes the data)`,
    );
  }
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  if (sha256 !== profile.source.sha256) {
    throw new Error(
      `${file} has sha256 ${sha256.slice(0, 16)}..., but the reference profile was built from ${profile.source.sha256.slice(0, 16)}...; rebuild the profile (steadystate drift profile --data ${profile.source.data} --out serving/model_repository/reference_profile.json) or rerun ./scripts/setup.sh`,
    );
  }
  return readDatasetCsv(file, schema);
}

export interface GameDayTraffic {
  next(): LoadRequest;
  /** The drift phase: every request (fresh, repeat, hot) shifted while on. */
  setShifted(on: boolean): void;
}

export function gameDayTraffic(schema: FeatureSchema, rows: readonly ReferenceRow[], seed = 7): GameDayTraffic {
  const mix = createPayloadMix(schema, { seed, populationSeed: seed, ...GAME_DAY_MIX }, rows);
  let shifted = false;
  return {
    next() {
      const r = mix.next();
      return shifted ? { ...r, features: applyShift(r.features, DRIFT_SHIFT) } : r;
    },
    setShifted(on) {
      shifted = on;
    },
  };
}
