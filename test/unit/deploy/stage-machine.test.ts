import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/adapters/process/paths.ts';
import { zeroCounters } from '../../../src/core/abtest/counters.ts';
import { lookAtStep, startStep, stepWeights } from '../../../src/core/deploy/canary.ts';
import {
  beginStage,
  type DeployJournal,
  endStage,
  finish,
  newJournal,
  nextStage,
} from '../../../src/core/deploy/journal.ts';
import { signatureInputs } from '../../../src/core/deploy/registry.ts';
import { deployMetricsText, speedSummary } from '../../../src/core/deploy/speed-slo.ts';
import { metricsCheck, percentile, signatureCheck, validate } from '../../../src/core/deploy/validation.ts';
import { deployFromWebhook } from '../../../src/core/deploy/webhook-event.ts';
import { featureSchemaFile } from '../../../src/core/spec/feature-schema.ts';
import { deploymentSpec } from '../../../src/core/spec/kinds/deployment.ts';
import { mlflowSignature, verifySignature } from '../../../src/services/deploy/webhook.ts';

const t = (s: number) => new Date(Date.UTC(2026, 11, 4, 20, 0, s));
const journal = () =>
  newJournal({
    registeredModel: 'fraud',
    model: 'fraud',
    version: '4',
    requested: 'version 4',
    tritonModel: 'fraud_v4',
    now: t(0),
  });
const SPEC = deploymentSpec.parse({ model: 'fraud', championVariant: 'v1', canaryVariant: 'v2', store: '/tmp/x' });
const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));

describe('deploy stage machine', () => {
  it('walks fetch -> promote and ends promoted, every stage timed', () => {
    let j = journal();
    for (const stage of ['fetch', 'validate', 'publish', 'shadow', 'canary', 'promote'] as const) {
      expect(nextStage(j)).toBe(stage);
      j = endStage(beginStage(j, stage, t(1)), 'ok', `${stage} done`, t(3));
    }
    expect(nextStage(j)).toBeUndefined();
    expect(j.status).toBe('promoted');
    expect(j.stages.every((s) => s.durationSeconds === 2)).toBe(true);
  });

  it('resumes an interrupted stage as the same record with one more attempt', () => {
    const j = beginStage(endStage(beginStage(journal(), 'fetch', t(0)), 'ok', 'ok', t(1)), 'validate', t(2));
    // The process died here; the journal on disk has an open "validate".
    expect(nextStage(j)).toBe('validate');
    const resumed = beginStage(j, 'validate', t(30));
    expect(resumed.stages).toHaveLength(2);
    expect(resumed.stages[1]).toMatchObject({ stage: 'validate', attempts: 2, startedAt: t(2).toISOString() });
  });

  it('goes from a canary rollback to the rollback stage, then ends rolled back', () => {
    let j = journal();
    for (const stage of ['fetch', 'validate', 'publish', 'shadow'] as const)
      j = endStage(beginStage(j, stage, t(0)), 'ok', '', t(1));
    j = endStage(beginStage(j, 'canary', t(1)), 'rollback', 'guardrail', t(5));
    expect(nextStage(j)).toBe('rollback');
    j = endStage(beginStage(j, 'rollback', t(5)), 'ok', 'restored', t(6));
    expect(j.status).toBe('rolled_back');
    expect(nextStage(j)).toBeUndefined();
  });

  it('ends refused at validation and measures lead time from registration', () => {
    let j: DeployJournal = { ...journal(), registeredAtMs: t(0).getTime() - 60_000 };
    j = endStage(
      beginStage(endStage(beginStage(j, 'fetch', t(0)), 'ok', '', t(1)), 'validate', t(1)),
      'refused',
      'auc',
      t(2),
    );
    expect(j.status).toBe('refused');
    expect(j.leadTimeSeconds).toBe(62);
    expect(finish(journal(), 'refused', 'gate', t(4)).durationSeconds).toBe(4);
  });
});

describe('validation checks', () => {
  it('refuses a lower holdout AUC beyond the tolerance, naming metric, values and tolerance', () => {
    const r = metricsCheck({
      candidateMetrics: { roc_auc: 0.7426 },
      championMetrics: { roc_auc: 0.892 },
      metrics: ['roc_auc'],
      tolerance: 0.005,
    });
    expect(r.ok).toBe(false);
    expect(r.detail).toBe("holdout roc_auc 0.7426 is below the champion's 0.892 by 0.1494 (tolerance 0.005)");
    expect(
      metricsCheck({
        candidateMetrics: { roc_auc: 0.889 },
        championMetrics: { roc_auc: 0.892 },
        metrics: ['roc_auc'],
        tolerance: 0.005,
      }).ok,
    ).toBe(true);
  });

  it('compares the MLflow signature with feature_schema.json column by column', () => {
    const good = schema.features.map((f) => ({ name: f.name, type: f.type === 'categorical' ? 'string' : 'double' }));
    expect(signatureCheck(good, schema).ok).toBe(true);
    const swapped = [good[1], good[0], ...good.slice(2)] as typeof good;
    expect(signatureCheck(swapped, schema).detail).toMatch(/position 1 is hour:double, expected amount:double/);
    expect(signatureCheck(good.slice(0, -1), schema).detail).toMatch(/missing input channel/);
    expect(signatureCheck(undefined, schema).ok).toBe(false);
  });

  it('publish compares no metrics: its passing reason lists the other checks without an empty part', () => {
    const good = schema.features.map((f) => ({ name: f.name, type: f.type === 'categorical' ? 'string' : 'double' }));
    const result = validate({
      signature: good,
      schema,
      candidateMetrics: {},
      championMetrics: undefined,
      metrics: [],
      tolerance: 0,
      p99Ms: 3.5677,
      p99BudgetMs: 50,
      testPrediction: { score: 0.0003 },
    });
    expect(result.ok).toBe(true);
    expect(result.reason).toBe(
      `${good.length} inputs match feature_schema.json; p99 3.5677 ms within 50 ms; test prediction score 0.0003`,
    );
  });

  it('reads the signature out of an MLmodel file as MLflow writes it', () => {
    const mlmodel = `signature:\n  inputs: '[{"type": "double", "name": "amount", "required": true}, {"type":\n    "string", "name": "channel", "required": true}]'\n  outputs: '[{"type": "double", "name": "score"}]'\n`;
    expect(signatureInputs(mlmodel)).toEqual([
      { name: 'amount', type: 'double' },
      { name: 'channel', type: 'string' },
    ]);
  });

  it('takes the nearest-rank p99', () => {
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.99,
      ),
    ).toBe(99);
    expect(percentile([], 0.99)).toBeUndefined();
  });
});

describe('canary steps on core/abtest', () => {
  const counters = (requests: number, errors: number) => ({ ...zeroCounters(), requests, errors });

  it('rolls back when the canary errors far above 2x the champion', () => {
    let step = startStep(SPEC, 20, {}, 0);
    let decision = 'wait';
    for (let look = 1; look <= 20 && decision !== 'rollback'; look++) {
      const r = lookAtStep(
        SPEC,
        step,
        { v1: counters(400 * look, 2 * look), v2: counters(100 * look, 30 * look) },
        look * 2000,
      );
      step = r.step;
      decision = r.decision.kind;
    }
    expect(decision).toBe('rollback');
  });

  it('advances a healthy step once it lasted stepDuration with enough canary requests', () => {
    const step = startStep(SPEC, 5, {}, 0);
    const early = lookAtStep(SPEC, step, { v1: counters(950, 1), v2: counters(50, 0) }, 10_000);
    expect(early.decision.kind).toBe('wait');
    const later = lookAtStep(SPEC, early.step, { v1: counters(3800, 4), v2: counters(200, 0) }, 31_000);
    expect(later.decision.kind).toBe('advance');
  });

  it('never decides on missing counters until the step times out', () => {
    const step = startStep(SPEC, 5, {}, 0);
    expect(lookAtStep(SPEC, step, undefined, 10_000).decision.kind).toBe('wait');
    expect(lookAtStep(SPEC, step, undefined, 400_000).decision.kind).toBe('rollback');
  });

  it('splits the weights champion/canary and zeroes other variants', () => {
    expect(stepWeights(['v1', 'v2', 'v3'], SPEC, 20)).toEqual({ v1: 80, v2: 20, v3: 0 });
  });
});

describe('Deployment spec', () => {
  it('names the field of a bad ramp and of equal variants', () => {
    const r = deploymentSpec.safeParse({
      model: 'fraud',
      championVariant: 'v1',
      canaryVariant: 'v1',
      store: 'x',
      canary: { steps: [50, 20] },
    });
    expect(r.success).toBe(false);
    const paths_ = r.error?.issues.map((i) => i.path.join('.'));
    expect(paths_).toEqual(expect.arrayContaining(['canaryVariant', 'canary.steps']));
  });
});

describe('registry webhook', () => {
  const body = JSON.stringify({
    entity: 'model_version_alias',
    action: 'created',
    data: { name: 'fraud', alias: 'challenger', version: '6' },
  });

  it("accepts MLflow's HMAC signature and refuses a wrong one, a missing one and a replay", () => {
    const sig = mlflowSignature('s3cret', 'd-1', '1000', body);
    expect(
      verifySignature('s3cret', { signature: sig, deliveryId: 'd-1', timestamp: '1000' }, body, 1010, 300),
    ).toBeUndefined();
    expect(verifySignature('other', { signature: sig, deliveryId: 'd-1', timestamp: '1000' }, body, 1010, 300)).toMatch(
      /does not match/,
    );
    expect(
      verifySignature('s3cret', { signature: sig, deliveryId: 'd-1', timestamp: '1000' }, `${body} `, 1010, 300),
    ).toMatch(/does not match/);
    expect(verifySignature('s3cret', { deliveryId: 'd-1', timestamp: '1000' }, body, 1010, 300)).toMatch(/missing/);
    expect(
      verifySignature('s3cret', { signature: sig, deliveryId: 'd-1', timestamp: '1000' }, body, 2000, 300),
    ).toMatch(/old/);
  });

  it('deploys only on a move of the trigger alias of its model (never on champion, which the deploy moves)', () => {
    expect(deployFromWebhook(JSON.parse(body), 'fraud', 'challenger').deploy).toEqual({ name: 'fraud', version: '6' });
    const champion = {
      entity: 'model_version_alias',
      action: 'created',
      data: { name: 'fraud', alias: 'champion', version: '6' },
    };
    expect(deployFromWebhook(champion, 'fraud', 'challenger').deploy).toBeUndefined();
    expect(
      deployFromWebhook({ entity: 'model_version', action: 'created', data: {} }, 'fraud', 'challenger').deploy,
    ).toBeUndefined();
  });
});

describe('deploy-speed SLO', () => {
  const done = (lead: number, status: DeployJournal['status'] = 'promoted'): DeployJournal => ({
    ...endStage(beginStage(journal(), 'fetch', t(0)), 'ok', '', t(1)),
    status,
    leadTimeSeconds: lead,
  });

  it('counts deploys within 10 min and over 30 min against 95%', () => {
    const journals = [...Array.from({ length: 19 }, () => done(300)), done(900, 'rolled_back')];
    const s = speedSummary(journals, SPEC.slo);
    expect(s).toMatchObject({ deploys: 20, withinTarget: 19, withinLimit: 20, ratio: 0.95, verdict: 'met' });
    expect(speedSummary([...journals, done(2000)], SPEC.slo).verdict).toBe('missed');
    expect(speedSummary([], SPEC.slo).verdict).toBe('no_data');
  });

  it('exports the histogram with buckets at the target and the limit', () => {
    const text = deployMetricsText([done(300), done(900), done(2000)], 'fraud', SPEC.slo);
    expect(text).toContain('deploy_duration_seconds_bucket{model="fraud",le="600"} 1');
    expect(text).toContain('deploy_duration_seconds_bucket{model="fraud",le="1800"} 2');
    expect(text).toContain('deploy_duration_seconds_count{model="fraud"} 3');
  });
});
