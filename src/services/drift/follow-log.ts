import { AppendedLines } from '../../adapters/files/appended-lines.ts';
import type { ReferenceProfile } from '../../core/drift/profile.ts';
import { emptyWindow, mergeWindows, StreamAccumulator, type WindowCounts } from '../../core/drift/window.ts';
import { DEFAULT_PREDICTION_FIELDS, isOtherModel, type PredictionFields, predictionOf } from './stream-rows.ts';

/**
 * The embedded path of `drift watch`: follows a gateway prediction log (JSONL, appended to)
 * and keeps the last `windowMs` of it as time buckets, one per poll. A window is the sum
 * of the buckets inside it, the same quantity increase() gives on the Prometheus path.
 */
export class LogFollower {
  readonly #profile: ReferenceProfile;
  readonly #variantModels: Readonly<Record<string, string>>;
  readonly #windowMs: number;
  readonly #fields: PredictionFields;
  readonly #model: string | undefined;
  /** Follows appends and rotation (tail -F): a rotated log is drained, then the new one read. */
  readonly #lines: AppendedLines;
  #buckets: { at: number; counts: WindowCounts }[] = [];
  badLines = 0;

  constructor(
    file: string,
    profile: ReferenceProfile,
    variantModels: Readonly<Record<string, string>>,
    windowMs: number,
    fields: PredictionFields = DEFAULT_PREDICTION_FIELDS,
    model?: string,
  ) {
    this.#lines = new AppendedLines(file);
    this.#profile = profile;
    this.#variantModels = variantModels;
    this.#windowMs = windowMs;
    this.#fields = fields;
    this.#model = model;
  }

  /** Reads what was appended since the last poll and returns the window ending at `now`. */
  poll(now: number): WindowCounts {
    const accumulator = new StreamAccumulator(this.#profile, { sampleSize: 0, seed: 1 });
    for (const line of this.#newLines()) {
      if (line.trim() === '') continue;
      let record: Record<string, unknown>;
      try {
        const parsed = JSON.parse(line) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        record = parsed as Record<string, unknown>;
      } catch {
        this.badLines++;
        continue;
      }
      if (isOtherModel(record, this.#model)) continue;
      const features = typeof record.features === 'object' && record.features !== null ? record.features : record;
      accumulator.add(features as Record<string, never>);
      const prediction = predictionOf(record, this.#fields, this.#profile, this.#variantModels);
      if (prediction) accumulator.addPrediction(prediction);
    }
    const { features, predictions } = accumulator.snapshot();
    this.#buckets.push({ at: now, counts: { features, predictions } });
    this.#buckets = this.#buckets.filter((b) => b.at > now - this.#windowMs);
    return this.#buckets.reduce((sum, b) => mergeWindows(sum, b.counts), emptyWindow());
  }

  #newLines(): string[] {
    return this.#lines.read().flatMap((chunk) => chunk.lines);
  }
}
