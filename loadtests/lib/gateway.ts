import { check } from 'k6';
import http from 'k6/http';
import { Counter, Rate } from 'k6/metrics';
import {
  asMixSchema,
  createPayloadMix,
  DEFAULT_PAYLOAD_MIX,
  type LoadRequest,
  type MixSchema,
  type PayloadMix,
  predictBody,
} from '../../src/core/load/payload-mix.ts';
import { GOOD_SERVED_BY, SERVED_BY } from '../../src/core/metrics/names.ts';
import { envNumber, envString } from './env.ts';

/**
 * What every script shares: the target, the payload mix (the same module the Node load
 * driver uses, src/core/load/payload-mix.ts) and one request with its checks and metrics.
 */

export const GATEWAY_URL = envString('GATEWAY_URL', 'http://127.0.0.1:8080').replace(/\/$/, '');

// Read once per VU in the init context. k6 archives opened files, so `k6 archive` carries it
// to a cluster run; FEATURE_SCHEMA points elsewhere (e.g. a ConfigMap mount).
const schema: MixSchema = asMixSchema(
  JSON.parse(
    open(envString('FEATURE_SCHEMA', import.meta.resolve('../../serving/model_repository/feature_schema.json'))),
  ),
);

const SEED = envNumber('SEED', 1, 0, 2 ** 31 - 1);
const MIX = {
  users: envNumber('USERS', DEFAULT_PAYLOAD_MIX.users, 1, 10_000_000),
  repeatShare: envNumber('REPEAT_SHARE', DEFAULT_PAYLOAD_MIX.repeatShare, 0, 1),
  hotKeyShare: envNumber('HOT_KEY_SHARE', DEFAULT_PAYLOAD_MIX.hotKeyShare, 0, 1),
  fraudRate: envNumber('FRAUD_RATE', DEFAULT_PAYLOAD_MIX.fraudRate, 0, 1),
  userPrefix: envString('USER_PREFIX', 'k6-'),
};

/** Which tier answered, one counter per `served_by` value of the metric contract. */
const servedBy = Object.fromEntries(
  [...SERVED_BY, 'no_answer'].map((tier) => [tier, new Counter(`served_by_${tier}`)]),
) as Record<string, Counter>;
/** A good event as the availability SLO counts it (served_by in GOOD_SERVED_BY, HTTP 200). */
const goodAnswers = new Rate('good_answers');
const good = new Set<string>(GOOD_SERVED_BY);

let mix: PayloadMix | undefined;

/** The VU's own request stream; card holders (profiles) are shared by all VUs through the seed. */
export function nextRequest(): LoadRequest {
  mix ??= createPayloadMix(schema, { ...MIX, seed: SEED * 100_003 + __VU, populationSeed: SEED });
  return mix.next();
}

export function featureSchema(): MixSchema {
  return schema;
}

/** POST /v1/predict, tagged by request kind, with the checks every script makes. */
export function predict(request: LoadRequest): void {
  const res = http.post(`${GATEWAY_URL}/v1/predict`, predictBody(request), {
    headers: { 'content-type': 'application/json' },
    tags: { name: 'predict', kind: request.kind },
    timeout: '5s',
  });
  let tier = 'no_answer';
  if (res.status !== 0) {
    const body = res.status === 200 || res.status === 503 ? safeJson(res.body) : undefined;
    const named = typeof body?.served_by === 'string' ? body.served_by : undefined;
    tier = named ?? (res.status === 503 ? 'shed' : 'error');
  }
  servedBy[tier]?.add(1);
  goodAnswers.add(res.status === 200 && good.has(tier));
  check(res, {
    'status is 200': (r) => r.status === 200,
    'answer names its serving tier': () => tier !== 'no_answer' && tier !== 'error',
  });
}

function safeJson(body: unknown): { served_by?: unknown } | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as { served_by?: unknown };
  } catch {
    return undefined;
  }
}
