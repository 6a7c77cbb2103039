import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FeastEnv } from '../../adapters/feast/feast-tool.ts';
import { pushGauges } from '../../adapters/feast/pushgateway-gauges.ts';
import { PrometheusClient } from '../../adapters/prometheus/client.ts';
import { DEFAULT_SKEW_TOLERANCE } from '../../core/drift/skew.ts';
import { FEATURE_STORE_PUSH_JOB } from '../../core/features/freshness.ts';
import { skewGaugesText } from '../../core/features/skew-gauges.ts';
import { FEATURE_STORE } from '../../core/metrics/names.ts';
import type { ExperimentOutcome, FaultWindow } from '../../core/report/types.ts';
import type { FeatureSchema } from '../../core/spec/feature-schema.ts';
import { DEFAULT_FEAST_VIEWS } from '../../core/spec/kinds/stack-feature-store.ts';
import { SKEW_MISMATCH_ALERT_RATIO } from '../../generators/feature-store-alerts/rules.ts';
import { skewFromFeast } from '../drift/skew-feast.ts';
import { runOpenLoad } from '../load/open-load.ts';

const STORE_FEATURES = DEFAULT_FEAST_VIEWS.flatMap((v) => v.features);
const ALERT = 'FeatureTrainServeSkew';
/** The request ids this phase sends under: its lines in the prediction log. */
const REQUEST_PREFIX = 'skew-check-';

/**
 * The playbook's train/serve skew check, scheduled in the full game day after the feature
 * store has been materializing for the whole run. Store-completed predictions (the request
 * carries only the transaction; the gateway fills the six entity features from Feast's Redis)
 * go through the running gateway; the prediction log's served features are compared with
 * Feast's point-in-time offline features for the same user and instant (`skewFromFeast`, what
 * `steadystate drift skew --feast-data` runs), the per-feature gauges are pushed, and
 * Prometheus must then hold one `feature_skew_mismatch_ratio` series per store feature with the
 * generated FeatureTrainServeSkew alert silent: serving and training compute the features alike.
 */
export async function featureSkewPhase(opts: {
  gatewayUrl: string;
  predictionLog: string;
  feast: FeastEnv;
  schema: FeatureSchema;
  prometheusUrl: string;
  pushgatewayUrl: string;
  /** Feast users: ids `user-0` .. `user-(users-1)`. */
  users: number;
  requests: number;
  ratePerSecond: number;
  runDir: string;
  log: (line: string) => void;
}): Promise<{ outcome: ExperimentOutcome; window: FaultWindow }> {
  const startMs = Date.now();
  const transaction = transactionOnly(opts.schema);
  // This run's request ids: its lines in the prediction log, apart from any earlier check's.
  const prefix = `${REQUEST_PREFIX}${startMs}-`;
  let n = 0;
  const load = await runOpenLoad({
    url: opts.gatewayUrl,
    ratePerSecond: opts.ratePerSecond,
    durationMs: (opts.requests / opts.ratePerSecond) * 1000,
    next: () => {
      const i = n++;
      // Spread over the users, so every prediction is a different entity's row.
      const user = `user-${(i * 7919) % opts.users}`;
      return {
        userId: user,
        features: transaction,
        kind: 'fresh',
        fraudLike: false,
        requestId: `${prefix}${i}`,
      };
    },
  });
  const answered = load.records.filter((r) => r.status === 200).length;
  await sleep(1_000); // the prediction log is a write stream: let the last lines land
  const mine = readFileSync(opts.predictionLog, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"request_id":"${prefix}`));
  const log = `${opts.runDir}/skew-check-predictions.jsonl`;
  writeFileSync(log, mine.map((l) => `${l}\n`).join(''));
  const result = await skewFromFeast({
    log,
    feast: opts.feast,
    features: opts.schema.features.map((f) =>
      f.type === 'categorical'
        ? { name: f.name, type: f.type, categories: f.categories }
        : { name: f.name, type: f.type },
    ),
    storeFeatures: STORE_FEATURES,
    logEntityField: 'user_id',
    tolerance: DEFAULT_SKEW_TOLERANCE,
  });
  await pushGauges(opts.pushgatewayUrl, `${FEATURE_STORE_PUSH_JOB}-skew`, skewGaugesText(result.report));

  // Prometheus scrapes the Pushgateway and evaluates the rule every second: wait for the
  // gauges to arrive, then read the alert's state.
  const prometheus = new PrometheusClient({ url: opts.prometheusUrl });
  let series = 0;
  for (let i = 0; i < 15 && series < STORE_FEATURES.length; i++) {
    await sleep(1_000);
    const r = await prometheus.instant(FEATURE_STORE.skewMismatch).catch(() => undefined);
    series = r?.status === 'values' ? r.samples.length : 0;
  }
  await sleep(3_000); // two more evaluations of the rule after the gauges landed
  const alerts = await prometheus.instant(`ALERTS{alertname="${ALERT}",alertstate="firing"}`).catch(() => undefined);
  const firing = alerts?.status === 'values' ? alerts.samples.map((s) => s.labels.feature ?? '?').sort() : [];
  const endMs = Date.now();

  const worst = [...result.report.features].sort((a, b) => b.mismatchRate - a.mismatchRate)[0];
  const summary = result.report.features.map((f) => `${f.feature} ${f.mismatches}/${f.compared}`).join(', ');
  const problems = [
    ...(result.report.pairs < opts.requests * 0.9
      ? [
          `only ${result.report.pairs} of ${opts.requests} predictions were logged and compared (${answered} answered 200)`,
        ]
      : []),
    ...result.report.features
      .filter((f) => f.mismatchRate > SKEW_MISMATCH_ALERT_RATIO)
      .map((f) => `${f.feature}: mismatch rate ${f.mismatchRate} > ${SKEW_MISMATCH_ALERT_RATIO}`),
    ...(series < STORE_FEATURES.length
      ? [`Prometheus holds ${series} ${FEATURE_STORE.skewMismatch} series, expected ${STORE_FEATURES.length}`]
      : []),
    ...(firing.length > 0 ? [`${ALERT} firing for ${firing.join(', ')}`] : []),
  ];
  opts.log(
    `  skew: ${result.report.pairs} predictions compared, mismatches ${summary}; ${ALERT} ${firing.length > 0 ? `firing (${firing.join(', ')})` : 'silent'}`,
  );
  return {
    window: { experiment: 'feature-train-serve-skew', label: 'train/serve skew check', startMs, endMs },
    outcome: {
      name: 'feature-train-serve-skew',
      title: 'Train/serve skew: served features against point-in-time training features',
      hypothesis: `for ${opts.requests} store-completed predictions, every served entity feature equals Feast's point-in-time offline value in more than ${100 - SKEW_MISMATCH_ALERT_RATIO * 100}% of predictions, and ${ALERT} stays silent`,
      verdict: problems.length === 0 ? 'held' : 'deviated',
      explanation:
        problems.length === 0
          ? [
              `${result.report.pairs} predictions compared; mismatches per feature: ${summary}; worst ${worst?.feature ?? '-'} at ${worst?.mismatchRate ?? 0}; ${series} skew series in Prometheus, ${ALERT} silent`,
            ]
          : problems,
      detectionSeconds: null,
      detectionTargetSeconds: null,
      recoverySeconds: null,
      recoveryTargetSeconds: null,
      pagesExpected: [],
      pagesReceived: [],
    },
  };
}

/** The request's own fields (what a payment carries); the entity features are left to the store. */
function transactionOnly(schema: FeatureSchema): Record<string, number | string> {
  const own: Record<string, number | string> = {
    amount: 42,
    hour: 14,
    distance_from_home_km: 8,
    card_present: 1,
    foreign_transaction: 0,
    merchant_category: 'grocery',
    channel: 'pos',
  };
  for (const name of Object.keys(own))
    if (!schema.features.some((f) => f.name === name))
      throw new Error(`feature schema has no feature ${name}: the skew check's transaction fields must match it`);
  return own;
}
