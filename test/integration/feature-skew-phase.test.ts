/**
 * The full game day's train/serve skew phase on the game day's own stack (Triton, the gateway
 * on Feast's Redis, Pushgateway, Prometheus with the generated rules): with serving computing
 * the features as training does, the phase holds and FeatureTrainServeSkew stays silent; with
 * the deliberate skew (avg_amount_30d served as a 7-day mean) the phase deviates, naming the
 * feature, and the generated alert fires for it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFeastTool } from '../../src/adapters/feast/feast-tool.ts';
import { paths } from '../../src/adapters/process/paths.ts';
import { featureSchemaFile } from '../../src/core/spec/feature-schema.ts';
import { featureSkewPhase } from '../../src/services/gameday/feature-skew-phase.ts';
import {
  type FeatureStoreSchedule,
  startFeatureStoreSchedule,
} from '../../src/services/gameday/feature-store-phase.ts';
import { type GameDayStack, startLocalStack } from '../../src/services/gameday/local-stack.ts';

const USERS = 400;
let dir: string;
let stack: GameDayStack;
let schedule: FeatureStoreSchedule;
const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skew-phase-'));
  stack = await startLocalStack({
    runDir: dir,
    specFile: join(paths.root(), 'steadystate.yaml'),
    fallbacks: true,
    extraScrapeJobs: [],
    log: () => undefined,
  });
  const redisUrl = stack.state.redis?.featureStore?.url ?? '';
  schedule = await startFeatureStoreSchedule({
    runDir: dir,
    redisUrl,
    pushgatewayUrl: stack.pushgateway.url,
    everyMs: 600_000,
    users: USERS,
    log: () => undefined,
  });
}, 240_000);

afterAll(async () => {
  await schedule?.stop();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const phase = () =>
  featureSkewPhase({
    gatewayUrl: stack.gateway.url,
    predictionLog: join(dir, 'predictions.jsonl'),
    feast: schedule.env,
    schema,
    prometheusUrl: stack.prometheus.url,
    pushgatewayUrl: stack.pushgateway.url,
    users: USERS,
    requests: 150,
    ratePerSecond: 30,
    runDir: dir,
    log: (l) => console.log(l),
  });

describe('game day: train/serve skew phase', () => {
  it('holds with consistent serving, the alert silent', async () => {
    const { outcome } = await phase();
    expect(outcome.explanation.join('; ')).toMatch(/150 predictions compared/);
    expect(outcome.verdict).toBe('held');
  }, 90_000);

  it('deviates on a 30-day average served over 7 days, and FeatureTrainServeSkew fires for it', async () => {
    await runFeastTool(['write-online', '--window-days', '7'], schedule.env);
    const { outcome } = await phase();
    expect(outcome.verdict).toBe('deviated');
    const text = outcome.explanation.join('; ');
    expect(text).toMatch(/avg_amount_30d: mismatch rate/);
    expect(text).toMatch(/FeatureTrainServeSkew firing for avg_amount_30d/);
    expect(text).not.toMatch(/(account_age_days|txn_count_24h|customer_age): mismatch/);
  }, 90_000);
});
