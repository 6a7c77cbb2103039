import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseReferenceProfile, type ReferenceProfile } from '../../core/drift/profile.ts';

/**
 * Reads and validates a reference profile (serving/model_repository/reference_profile.json).
 *
 * CONTRACT (the gateway uses this to bin `inference_feature_bin_total`):
 *   loadReferenceProfile(file): ReferenceProfile   throws an Error naming the file and the fix
 * then `featureProfileOf(profile, name)` and `binLabel(featureProfile, value)` from
 * src/core/drift/{profile,bins}.ts.
 */
export function loadReferenceProfile(file: string): ReferenceProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the reference profile ${file}: ${(error as Error).message}; build it with \`steadystate drift profile --data serving/data/train.csv --out ${file}\` (scripts/setup.sh does this)`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `the reference profile ${file} is not JSON (${(error as Error).message}); rebuild it with \`steadystate drift profile\``,
    );
  }
  return parseReferenceProfile(value, file);
}

/** Writes the profile as stable, diffable JSON (same profile, same bytes). */
export function writeReferenceProfile(file: string, profile: ReferenceProfile): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(profile, null, 1)}\n`);
}
