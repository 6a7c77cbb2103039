import { mulberry32 } from '../random/mulberry32.ts';
import type { FeatureValue } from '../spec/feature-schema.ts';

/**
 * The built-in load's requests, deterministic for a seed: a mix of known users repeating
 * their usual transaction (cache keys repeat, as real traffic does), a few hot keys (the
 * stampede's victims) and new transactions, drawn from a labelled split so scores and
 * P(fraud) look like production. A shift (model drift) scales and sets features of every
 * request while it lasts.
 */
export interface TrafficMix {
  users: number;
  repeatShare: number;
  hotShare: number;
  hotKeys: number;
  seed: number;
}

export interface Shift {
  scale: Record<string, number>;
  set: Record<string, FeatureValue>;
}

export interface TrafficRequest {
  userId: string;
  features: Record<string, FeatureValue>;
  kind: 'hot' | 'repeat' | 'new';
}

/**
 * Entity features live in the online store per user; a request carries only what the
 * transaction itself knows. The split the built-in load uses when it relies on the store.
 */
export const ENTITY_FEATURES = [
  'account_age_days',
  'txn_count_24h',
  'avg_amount_30d',
  'failed_logins_24h',
  'device_age_days',
  'customer_age',
] as const;

export function applyShift(
  features: Record<string, FeatureValue>,
  shift: Shift | undefined,
): Record<string, FeatureValue> {
  if (!shift) return features;
  const out = { ...features };
  for (const [name, factor] of Object.entries(shift.scale)) {
    const v = out[name];
    if (typeof v === 'number') out[name] = v * factor;
  }
  return { ...out, ...shift.set };
}

export class TrafficGenerator {
  private readonly rows: Record<string, FeatureValue>[];
  private readonly mix: TrafficMix;
  private readonly random: () => number;
  private fresh = 0;
  shift: Shift | undefined;

  constructor(rows: Record<string, FeatureValue>[], mix: TrafficMix) {
    if (rows.length < mix.users + mix.hotKeys + 1) {
      throw new RangeError(`the load needs more than ${mix.users + mix.hotKeys} feature rows, got ${rows.length}`);
    }
    this.rows = rows;
    this.mix = mix;
    this.random = mulberry32(mix.seed);
  }

  /** Known users (repeaters, then hot keys) and their usual features: what the feature store is seeded with. */
  knownUsers(): { userId: string; features: Record<string, FeatureValue> }[] {
    const out = [];
    for (let i = 0; i < this.mix.users; i++)
      out.push({ userId: `chaos-user-${i}`, features: this.rows[i] as Record<string, FeatureValue> });
    for (let i = 0; i < this.mix.hotKeys; i++)
      out.push({ userId: `chaos-hot-${i}`, features: this.rows[this.mix.users + i] as Record<string, FeatureValue> });
    return out;
  }

  next(): TrafficRequest {
    const r = this.random();
    if (r < this.mix.hotShare) return this.hot();
    if (r < this.mix.hotShare + this.mix.repeatShare) {
      const i = Math.floor(this.random() * this.mix.users);
      return {
        userId: `chaos-user-${i}`,
        features: applyShift(this.rows[i] as Record<string, FeatureValue>, this.shift),
        kind: 'repeat',
      };
    }
    // A new transaction of a known customer (the feature store knows them): features from a
    // row no one repeats, a cent more each time so its cache key has not been seen.
    const base = this.mix.users + this.mix.hotKeys;
    const i = base + Math.floor(this.random() * (this.rows.length - base));
    const row = this.rows[i] as Record<string, FeatureValue>;
    this.fresh++;
    const features = { ...row, amount: Number(row.amount) + this.fresh / 100 };
    const user = Math.floor(this.random() * this.mix.users);
    return { userId: `chaos-user-${user}`, features: applyShift(features, this.shift), kind: 'new' };
  }

  hot(): TrafficRequest {
    const i = Math.floor(this.random() * this.mix.hotKeys);
    return {
      userId: `chaos-hot-${i}`,
      features: applyShift(this.rows[this.mix.users + i] as Record<string, FeatureValue>, this.shift),
      kind: 'hot',
    };
  }
}
