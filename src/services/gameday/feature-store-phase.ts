import { join } from 'node:path';
import {
  type FeastEnv,
  type FeastOfflineS3,
  materializeIncremental,
  prepareFeatureStore,
} from '../../adapters/feast/feast-tool.ts';
import { newestEventTimes } from '../../adapters/feast/online-freshness.ts';
import { pushGauges } from '../../adapters/feast/pushgateway-gauges.ts';
import { FEAST_DEFAULT_USERS, type FeastLayout } from '../../core/features/feast-layout.ts';
import { FEATURE_STORE_PUSH_JOB, freshnessGaugesText, viewFreshness } from '../../core/features/freshness.ts';
import { FEATURE_STORE } from '../../core/metrics/names.ts';
import { feastLayout } from '../../core/spec/kinds/stack-feature-store.ts';

export interface FeatureStoreSchedule {
  /** Seconds the first build + apply + materialize took, per step. */
  prepared: { build_s: number; apply_s: number; materialize_s: number; users: number };
  /** The Feast repository's offline folder and online Redis (the skew check reads the offline store). */
  env: FeastEnv;
  /** Stops the schedule (waits for a materialization in progress). */
  stop(): Promise<void>;
}

/**
 * The game day's feature store (full run only: Feast's first apply and materialization take
 * longer than the quick run's 30 s budget). Writes the offline store for the game day's users
 * into the run folder, applies the definitions, materializes into the stack's feature-store
 * Redis, then runs `materialize-incremental` every `everyMs` as production would on a cron,
 * pushing the freshness gauges (and the alert's input) to the Pushgateway after each run.
 */
export async function startFeatureStoreSchedule(opts: {
  runDir: string;
  redisUrl: string;
  pushgatewayUrl: string;
  everyMs: number;
  users?: number;
  /** The offline store's bucket in the stack's S3 (the playbook's "S3 offline"); files in the run folder without it. */
  offlineS3?: FeastOfflineS3;
  log: (line: string) => void;
}): Promise<FeatureStoreSchedule> {
  const env: FeastEnv = {
    dataDir: join(opts.runDir, 'feast'),
    redis: opts.redisUrl,
    ...(opts.offlineS3 ? { offlineS3: opts.offlineS3 } : {}),
  };
  const layout: FeastLayout = feastLayout({ redisUrl: opts.redisUrl, keyPrefix: '', timeout: '10ms' });
  const prepared = await prepareFeatureStore(env, { users: opts.users ?? FEAST_DEFAULT_USERS });
  opts.log(
    `  feature store: ${prepared.users} users, offline store ${opts.offlineS3?.uri ?? 'in files'}, offline build ${prepared.build_s} s, feast apply ${prepared.apply_s} s, materialize ${prepared.materialize_s} s`,
  );
  const push = async (materializeSeconds: number) => {
    const rows = viewFreshness(layout.views, await newestEventTimes(opts.redisUrl, layout), Date.now() / 1000);
    const body = freshnessGaugesText(
      FEATURE_STORE.freshness,
      FEATURE_STORE.materializeDuration,
      rows,
      materializeSeconds,
    );
    await pushGauges(opts.pushgatewayUrl, FEATURE_STORE_PUSH_JOB, body);
  };
  await push(prepared.materialize_s).catch((e: Error) =>
    opts.log(`  feature store: freshness push failed: ${e.message}`),
  );
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = materializeIncremental(env)
      .then((r) => push(r.materialize_s))
      .catch((e: Error) => opts.log(`  feature store: scheduled materialization failed: ${e.message.split('\n')[0]}`))
      .finally(() => {
        running = undefined;
      });
  }, opts.everyMs);
  return {
    prepared,
    env,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
