import { join } from 'node:path';
import { withRedis } from '../../adapters/chaos/redis-admin.ts';
import { readDatasetCsv } from '../../adapters/files/dataset-csv.ts';
import { paths } from '../../adapters/process/paths.ts';
import { loadSummary } from '../../core/chaos/load-summary.ts';
import { ENTITY_FEATURES, TrafficGenerator, type TrafficRequest } from '../../core/chaos/traffic.ts';
import { feastEntityFields, redisKey } from '../../core/features/feast-layout.ts';
import type { LoadRequest } from '../../core/load/payload-mix.ts';
import type { FeatureValue } from '../../core/spec/feature-schema.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import { FEAST_INT64_FEATURES, feastLayout } from '../../core/spec/kinds/stack-feature-store.ts';
import { loadFeatureSchema } from '../../gateway/start.ts';
import { CUT_OFF, OpenLoad } from '../load/open-load.ts';
import type { LoadControl, LoadSpec, LoadStarter } from './ports.ts';

/**
 * The experiment's built-in load on the one open-model driver (services/load): arrivals at
 * a fixed rate that do not wait for answers (a closed loop would slow down exactly when the
 * system does and hide the damage), a burst on the hot keys as an extra stream, and the
 * traffic shift applied to the generator's rows.
 */
export function builtInLoad(input: {
  gatewayUrl: string;
  stack: StackSpec;
  /** Feature rows for the load (default: serving/data/test.csv). */
  featureRows?: () => Record<string, FeatureValue>[];
}): LoadStarter {
  return async (spec) => {
    const rows = input.featureRows
      ? input.featureRows()
      : defaultFeatureRows(input.stack, spec.users + spec.hotKeys + 5_000);
    const generator = new TrafficGenerator(rows, spec);
    let note: string | undefined;
    if (spec.useFeatureStore) {
      const fs = input.stack.featureStore;
      if (!fs) throw new Error('load.useFeatureStore needs Stack spec.featureStore');
      await withRedis(fs.redisUrl, async (redis) => {
        const pipeline = redis.pipeline();
        const layout = fs.backend === 'feast-redis' ? feastLayout(fs) : undefined;
        const now = Date.now() / 1000;
        for (const u of generator.knownUsers()) {
          const entity = Object.fromEntries(ENTITY_FEATURES.map((f) => [f, u.features[f] as number | string]));
          if (layout) {
            // Feast's online layout, as materialization would have written it (issue 15).
            const fields = feastEntityFields(layout, entity, now, FEAST_INT64_FEATURES);
            pipeline.hset(
              Buffer.from(redisKey(layout, u.userId)),
              ...fields.flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]),
            );
          } else {
            pipeline.hset(
              `${fs.keyPrefix}${u.userId}`,
              Object.fromEntries(Object.entries(entity).map(([f, v]) => [f, String(v)])),
            );
          }
        }
        await pipeline.exec();
      });
      note = `seeded the feature store with ${generator.knownUsers().length} users${fs.backend === 'feast-redis' ? " (Feast's online layout)" : ''}`;
    }
    const model = input.stack.models[0]?.name;
    if (!model) throw new Error('the Stack has no model');
    const control = startTrafficLoad({ gatewayUrl: input.gatewayUrl, model, spec, generator });
    return { control, ...(note ? { note } : {}) };
  };
}

/** Runs a TrafficGenerator's requests against the gateway until stopped. */
export function startTrafficLoad(input: {
  gatewayUrl: string;
  /** Logical model: POST /v1/models/{model}/predict. */
  model: string;
  spec: Pick<LoadSpec, 'rate' | 'useFeatureStore'>;
  generator: TrafficGenerator;
}): LoadControl {
  const { generator, spec } = input;
  const request = (r: TrafficRequest): LoadRequest => ({
    userId: r.userId,
    features: (spec.useFeatureStore ? requestFeatures(r.features) : r.features) as LoadRequest['features'],
    kind: r.kind === 'new' ? 'fresh' : r.kind,
    fraudLike: false,
  });
  const load = new OpenLoad({
    url: input.gatewayUrl,
    path: `/v1/models/${input.model}/predict`,
    ratePerSecond: spec.rate,
    next: () => request(generator.next()),
    timeoutMs: 10_000,
    maxInflight: 1_000,
  }).start();
  return {
    setShift(shift) {
      generator.shift = shift;
    },
    setBurst(rate) {
      load.setExtra(rate, () => request(generator.hot()));
    },
    async stop() {
      const result = await load.stop(5_000);
      return loadSummary(spec.rate, result.records, CUT_OFF);
    },
  };
}

/** A request's own features: everything but the per-user entity features kept in the store. */
export function requestFeatures(features: Record<string, FeatureValue>): Record<string, FeatureValue> {
  const out = { ...features };
  for (const f of ENTITY_FEATURES) delete out[f];
  return out;
}

/** Rows of the held-out test split (written by serving/models/train.py), as named features. */
function defaultFeatureRows(stack: StackSpec, limit: number): Record<string, FeatureValue>[] {
  const model = stack.models[0];
  if (!model) throw new Error('the Stack has no model');
  const schema = loadFeatureSchema(join(paths.root(), model.featureSchema));
  const file = join(paths.root(), 'serving', 'data', 'test.csv');
  try {
    return readDatasetCsv(file, schema, limit).map((r) => r.features);
  } catch (error) {
    throw new Error(
      `the built-in load reads ${file} (${(error as Error).message}); run ./scripts/setup.sh to create it`,
    );
  }
}
