import {
  clamp,
  gamma,
  hashSeed,
  logNormal,
  normal,
  poisson,
  type Random,
  seededRandom,
  uniform,
  weightedIndex,
} from './random.ts';

/**
 * The realistic request mix for `POST /v1/predict`, shared by the Node load driver
 * (src/services/load) and the k6 scripts (loadtests/, which import this file as it is: keep
 * it free of imports other than ./random.ts).
 *
 * Traffic shape, per request:
 * - a *fresh* card transaction of one of `users` card holders. Given reference rows (the
 *   training split the drift reference profile was built from), it is one of them, drawn
 *   uniformly: the traffic is then distributed exactly like the reference, joint
 *   distribution and fraud rate included, so a healthy run raises no drift ticket. Without
 *   (k6, which has no training data), it is synthesised from the distributions of
 *   serving/models/dataset.py, a share `fraudRate` following its fraud pattern (night,
 *   foreign, card not present, risky merchant, new device, bursts, far from home);
 * - a *repeat*: the exact body of one of the last `recentWindow` transactions sent again
 *   (an authorisation followed by its capture, a client retry): same features, same cache
 *   key, so it exercises the prediction cache;
 * - the *hot* key: one body sent by a share `hotKeyShare` of requests (a busy merchant
 *   terminal), the key a stampede or a cache outage hits first. With `hotKeyRotation` > 0 a
 *   new hot body (a fresh draw) takes over after that many hot requests: a hot body that
 *   never changes puts `hotKeyShare` of all traffic into one bin of every feature (5% more
 *   "grocery" is +20% relative, a FeatureDrift ticket on merchant_category in a healthy
 *   game day); one that moves on keeps the hot traffic distributed like the rest.
 *
 * Feature names, ranges and categories come from the model's feature schema
 * (serving/model_repository/feature_schema.json): a value outside [min, max] is clamped, a
 * category the schema lacks becomes the schema default, a schema feature this file does not
 * know is sent as its default, and a generated feature the schema lacks is dropped. So every
 * body the mix produces is one the gateway accepts.
 */

export type MixFeature =
  | { name: string; type: 'numeric'; min?: number; max?: number; default: number }
  | { name: string; type: 'categorical'; categories: readonly string[]; default: string };

/** The part of the feature schema the mix reads (the full FeatureSchema fits it). */
export interface MixSchema {
  features: readonly MixFeature[];
}

export type FeatureRecord = Record<string, number | string>;

export type RequestKind = 'fresh' | 'repeat' | 'hot';

export interface LoadRequest {
  userId: string;
  features: FeatureRecord;
  kind: RequestKind;
  /** Drawn from the fraud pattern (ground truth of the mix, not the model's opinion). */
  fraudLike: boolean;
  /** Sent as x-request-id when set: the gateway logs the prediction under it, so a sender can label it later. */
  requestId?: string;
}

export interface PayloadMixOptions {
  /** Seeds the request stream (which user, which kind, which transaction). */
  seed: number;
  /**
   * Seeds the card holders' profiles, apart from the stream: several generators (k6 VUs,
   * driver processes) with their own `seed` and one `populationSeed` see the same users.
   */
  populationSeed: number;
  /** Distinct card holders. */
  users: number;
  /** Share of requests that resend a recent body exactly (cache hits). */
  repeatShare: number;
  /** Share of requests that send the hot key. */
  hotKeyShare: number;
  /** Share of fresh transactions that follow the fraud pattern (the training data has ~1%). */
  fraudRate: number;
  /** How many recent fresh bodies a repeat picks from. */
  recentWindow: number;
  /** Prefix of user ids, e.g. "load-". */
  userPrefix: string;
  /** Hot requests per hot body before a new one is drawn; 0 keeps one hot body for good. */
  hotKeyRotation: number;
}

/** A row of the reference data (a training split): named features and the ground-truth label. */
export interface ReferenceRow {
  features: FeatureRecord;
  label: number;
}

export const DEFAULT_PAYLOAD_MIX: PayloadMixOptions = {
  seed: 1,
  populationSeed: 1,
  users: 5_000,
  repeatShare: 0.3,
  hotKeyShare: 0.05,
  fraudRate: 0.01,
  recentWindow: 200,
  userPrefix: 'load-',
  hotKeyRotation: 0,
};

export interface PayloadMix {
  next(): LoadRequest;
}

/** The JSON body of `POST /v1/predict` for a request. */
export function predictBody(request: LoadRequest): string {
  return JSON.stringify({ user_id: request.userId, features: request.features });
}

/** Every problem with the options, each naming the field, the value and what is allowed. */
export function payloadMixProblems(options: PayloadMixOptions): string[] {
  const problems: string[] = [];
  const share = (field: keyof PayloadMixOptions) => {
    const v = options[field] as number;
    if (!(typeof v === 'number' && v >= 0 && v <= 1))
      problems.push(`${field} must be a share between 0 and 1, got ${String(v)}`);
  };
  const count = (field: keyof PayloadMixOptions) => {
    const v = options[field] as number;
    if (!(Number.isSafeInteger(v) && v >= 1)) problems.push(`${field} must be an integer >= 1, got ${String(v)}`);
  };
  if (!Number.isSafeInteger(options.seed)) problems.push(`seed must be an integer, got ${String(options.seed)}`);
  if (!Number.isSafeInteger(options.populationSeed))
    problems.push(`populationSeed must be an integer, got ${String(options.populationSeed)}`);
  count('users');
  count('recentWindow');
  if (!(Number.isSafeInteger(options.hotKeyRotation) && options.hotKeyRotation >= 0))
    problems.push(
      `hotKeyRotation must be an integer >= 0 (0: one hot body for good), got ${String(options.hotKeyRotation)}`,
    );
  share('repeatShare');
  share('hotKeyShare');
  share('fraudRate');
  if (options.repeatShare + options.hotKeyShare > 1)
    problems.push(
      `repeatShare + hotKeyShare must be at most 1 (the rest are fresh transactions), got ${options.repeatShare} + ${options.hotKeyShare}`,
    );
  if (typeof options.userPrefix !== 'string' || options.userPrefix.length > 64)
    problems.push(`userPrefix must be a string of at most 64 characters, got ${JSON.stringify(options.userPrefix)}`);
  return problems;
}

/**
 * Checks a parsed feature_schema.json (k6 reads it with open()) and names the first problem.
 * The Node side validates the same file with zod (src/core/spec/feature-schema.ts).
 */
export function asMixSchema(value: unknown): MixSchema {
  const features = (value as { features?: unknown } | null)?.features;
  if (!Array.isArray(features) || features.length === 0)
    throw new TypeError(
      'feature schema: "features" must be a non-empty array (serving/model_repository/feature_schema.json)',
    );
  features.forEach((f: Record<string, unknown>, i: number) => {
    const where = `feature schema: features[${i}]`;
    if (typeof f?.name !== 'string' || f.name === '') throw new TypeError(`${where}.name must be a non-empty string`);
    if (f.type === 'numeric') {
      if (typeof f.default !== 'number') throw new TypeError(`${where} (${f.name}).default must be a number`);
    } else if (f.type === 'categorical') {
      if (!Array.isArray(f.categories) || f.categories.length === 0)
        throw new TypeError(`${where} (${f.name}).categories must be a non-empty array of strings`);
      if (typeof f.default !== 'string') throw new TypeError(`${where} (${f.name}).default must be a string`);
    } else {
      throw new TypeError(
        `${where} (${f.name}).type must be "numeric" or "categorical", got ${JSON.stringify(f.type)}`,
      );
    }
  });
  return value as MixSchema;
}

/**
 * @param reference rows to draw fresh transactions from (the training split); without them
 *   transactions are synthesised (see above).
 */
export function createPayloadMix(
  schema: MixSchema,
  overrides: Partial<PayloadMixOptions> = {},
  reference?: readonly ReferenceRow[],
): PayloadMix {
  const options: PayloadMixOptions = { ...DEFAULT_PAYLOAD_MIX, ...overrides };
  const problems = payloadMixProblems(options);
  if (reference && reference.length === 0) problems.push('reference must hold at least one row, got none');
  if (problems.length > 0) throw new RangeError(`payload mix: ${problems.join('; ')}`);
  const r = seededRandom(options.seed);
  const recent: LoadRequest[] = [];
  let cursor = 0;
  const transaction = (userId: string): { features: FeatureRecord; fraudLike: boolean } => {
    if (reference) {
      const row = reference[Math.floor(r.next() * reference.length)] as ReferenceRow;
      return { features: conformToSchema(schema, row.features), fraudLike: row.label === 1 };
    }
    const fraudLike = r.next() < options.fraudRate;
    const profile = userProfile(userId, options.populationSeed);
    const raw = fraudLike ? fraudTransaction(r, profile) : legitimateTransaction(r, profile);
    return { features: conformToSchema(schema, raw), fraudLike };
  };
  const hotUser = `${options.userPrefix}hot`;
  const drawHot = (): LoadRequest => ({ userId: hotUser, ...transaction(hotUser), kind: 'hot' });
  // Without rotation the hot key keeps the schema defaults (the population's medians/modes).
  let hot: LoadRequest =
    options.hotKeyRotation > 0
      ? drawHot()
      : { userId: hotUser, features: conformToSchema(schema, defaultsOf(schema)), kind: 'hot', fraudLike: false };
  let hotSent = 0;
  return {
    next() {
      const x = r.next();
      if (x < options.hotKeyShare) {
        if (options.hotKeyRotation > 0 && hotSent > 0 && hotSent % options.hotKeyRotation === 0) hot = drawHot();
        hotSent++;
        return hot;
      }
      if (x < options.hotKeyShare + options.repeatShare && recent.length > 0) {
        const picked = recent[Math.floor(r.next() * recent.length)] as LoadRequest;
        return { ...picked, kind: 'repeat' };
      }
      const user = Math.floor(r.next() * options.users);
      const userId = `${options.userPrefix}${user}`;
      const request: LoadRequest = { userId, ...transaction(userId), kind: 'fresh' };
      if (recent.length < options.recentWindow) recent.push(request);
      else recent[cursor] = request;
      cursor = (cursor + 1) % options.recentWindow;
      return request;
    },
  };
}

/**
 * A body no one has sent before, the same for every caller in a round: what a cache
 * stampede looks like (a popular key expires or appears, and everyone asks at once).
 */
export function stampedeRequest(
  schema: MixSchema,
  round: number,
  userPrefix = DEFAULT_PAYLOAD_MIX.userPrefix,
): LoadRequest {
  const features = defaultsOf(schema);
  // The round moves the amount by whole cents: a new cache key per round. Modulo 100,000 keeps
  // the amount under 2,000, where float32 (what the cache key hashes) still tells cents apart.
  features.amount = 1000 + (((round % 100_000) + 100_000) % 100_000) / 100;
  return {
    userId: `${userPrefix}stampede`,
    features: conformToSchema(schema, features),
    kind: 'hot',
    fraudLike: false,
  };
}

/** Keeps schema features only, clamps numbers to [min, max], maps unknown categories to the default. */
export function conformToSchema(schema: MixSchema, raw: FeatureRecord): FeatureRecord {
  const out: FeatureRecord = {};
  for (const f of schema.features) {
    const value = raw[f.name];
    if (f.type === 'numeric') {
      out[f.name] = typeof value === 'number' && Number.isFinite(value) ? clamp(value, f.min, f.max) : f.default;
    } else {
      out[f.name] = typeof value === 'string' && f.categories.includes(value) ? value : f.default;
    }
  }
  return out;
}

function defaultsOf(schema: MixSchema): FeatureRecord {
  const out: FeatureRecord = {};
  for (const f of schema.features) out[f.name] = f.default;
  return out;
}

/** What stays the same across one card holder's transactions. */
interface UserProfile {
  avgAmount: number;
  accountAgeDays: number;
  deviceAgeDays: number;
  customerAge: number;
}

/** Seeded by the user id, so a user keeps one profile whatever order requests come in. */
function userProfile(userId: string, seed: number): UserProfile {
  const r = seededRandom(hashSeed(userId, seed));
  return {
    avgAmount: logNormal(r, 3.8, 0.6),
    accountAgeDays: gamma(r, 1.6, 500),
    deviceAgeDays: gamma(r, 1.2, 280),
    customerAge: clamp(normal(r, 42, 14), 18, 95),
  };
}

const CHANNELS = ['pos', 'online', 'atm', 'mobile'];
const CHANNEL_WEIGHTS = [0.55, 0.25, 0.05, 0.15];
const MERCHANTS = ['grocery', 'gas', 'restaurant', 'online_retail', 'travel', 'electronics', 'gambling', 'other'];
const MERCHANT_WEIGHTS = [0.25, 0.12, 0.18, 0.17, 0.06, 0.07, 0.03, 0.12];
const RISKY_MERCHANTS = ['travel', 'electronics', 'gambling'];

const cents = (v: number) => Math.round(v * 100) / 100;
const tenths = (v: number) => Math.round(v * 10) / 10;

/** dataset.py's marginals: log-normal amounts around the holder's average, a daytime peak. */
function legitimateTransaction(r: Random, p: UserProfile): FeatureRecord {
  const channel = CHANNELS[weightedIndex(r, CHANNEL_WEIGHTS)] as string;
  const cardPresent = channel === 'pos' ? r.next() < 0.97 : r.next() < 0.05;
  const hour = (((Math.round(normal(r, 14, 4.5)) % 24) + 24) % 24) as number;
  return {
    amount: cents(p.avgAmount * logNormal(r, -0.1, 0.7)),
    hour,
    account_age_days: Math.floor(p.accountAgeDays),
    txn_count_24h: poisson(r, 2.2),
    distance_from_home_km: tenths(logNormal(r, 2.0, 1.1)),
    avg_amount_30d: cents(p.avgAmount),
    card_present: cardPresent ? 1 : 0,
    foreign_transaction: r.next() < 0.04 ? 1 : 0,
    failed_logins_24h: poisson(r, 0.08),
    device_age_days: Math.floor(p.deviceAgeDays),
    customer_age: Math.round(p.customerAge),
    merchant_category: MERCHANTS[weightedIndex(r, MERCHANT_WEIGHTS)] as string,
    channel,
  };
}

/**
 * The fraud pattern dataset.py's label model rewards: at night, card not present, a risky
 * merchant, an amount several times the holder's average, a burst of transactions, far from
 * home, failed logins and a new device (account takeover), often abroad or on a new account.
 */
function fraudTransaction(r: Random, p: UserProfile): FeatureRecord {
  const nightHours = [23, 0, 1, 2, 3, 4];
  return {
    amount: cents(p.avgAmount * uniform(r, 3, 10)),
    hour: nightHours[Math.floor(r.next() * nightHours.length)] as number,
    account_age_days: r.next() < 0.5 ? Math.floor(uniform(r, 0, 30)) : Math.floor(p.accountAgeDays),
    txn_count_24h: 6 + poisson(r, 3),
    distance_from_home_km: tenths(logNormal(r, 5.5, 0.6)),
    avg_amount_30d: cents(p.avgAmount),
    card_present: 0,
    foreign_transaction: r.next() < 0.6 ? 1 : 0,
    failed_logins_24h: 1 + poisson(r, 1),
    device_age_days: Math.floor(uniform(r, 0, 3)),
    customer_age: Math.round(p.customerAge),
    merchant_category: RISKY_MERCHANTS[Math.floor(r.next() * RISKY_MERCHANTS.length)] as string,
    channel: r.next() < 0.7 ? 'online' : 'mobile',
  };
}
