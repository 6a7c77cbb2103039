import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/adapters/process/paths.ts';
import { MlflowRegistry } from '../../src/adapters/registry/mlflow-registry.ts';
import { TritonClient } from '../../src/adapters/triton/client.ts';
import type { DeployJournal } from '../../src/core/deploy/journal.ts';
import { deploymentSpec } from '../../src/core/spec/kinds/deployment.ts';
import { loadFeatureSchema } from '../../src/gateway/start.ts';
import { deployPorts } from '../../src/services/deploy/deploy-ports.ts';
import { type DeployPorts, runDeploy } from '../../src/services/deploy/run-deploy.ts';
import { startWebhookReceiver } from '../../src/services/deploy/webhook.ts';
import { type DeployStack, startDeployStack } from './fixtures/deploy-stack.ts';
import { ADMIN_TOKEN, admin, featuresFor, predict } from './fixtures/gateway.ts';

/**
 * Issue 14 end to end on real parts: MLflow (seeded by serving/registry/seed.py), versitygw
 * as the S3 model store Triton loads from, Triton's model control, the gateway's admin API
 * and /metrics, with live traffic the whole time. A bad version is refused at validation; a
 * failing one is rolled back by the canary's guardrail; a good one ships to champion; no
 * user request fails during any of it.
 */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const reachable = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
    () => true,
    () => false,
  );

const SPEC = deploymentSpec.parse({
  model: 'fraud',
  championVariant: 'v1',
  canaryVariant: 'v2',
  store: 'set-per-test',
  // p99 budget for a CPU Triton on two cores shared with other test runs (the spec's is 50 ms).
  validation: { p99Budget: '1s', probeRequests: 50 },
  shadow: { duration: '2s', minRequests: 20 },
  canary: { steps: [25, 100], stepDuration: '3s', minRequestsPerStep: 30, evaluateEvery: '1s', stepTimeout: '40s' },
  retry: { maxAttempts: 3, initialDelay: '200ms', maxDelay: '1s' },
});

describe('steadystate deploy on MLflow, S3 (versitygw), Triton and the gateway', () => {
  let stack: DeployStack;
  let stop = false;
  let sent = 0;
  const failures: string[] = [];
  let traffic: Promise<unknown>;

  beforeAll(async () => {
    stack = await startDeployStack(['bad', 'failing', 'good', 'good-2', 'good-3', 'good-4']);
    // Open traffic from distinct users and rows (no cache hits), 4 callers, the whole file long.
    traffic = Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        while (!stop) {
          const i = sent++;
          const r = await predict(stack.gateway.url, `deploy-${worker}-${i}`, featuresFor(200_000 + i)).catch(
            (e: Error) => ({ status: 0, body: { error: e.message } }),
          );
          if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        }
      }),
    );
  }, 240_000);

  afterAll(async () => {
    stop = true;
    await traffic;
    await stack?.close();
  });

  function deploy(version: string, extra: Partial<DeployPorts> = {}, spec = SPEC): Promise<DeployJournal> {
    const full = { ...spec, store: stack.store, registry: { url: stack.mlflow.url, name: 'fraud' } };
    const ports = deployPorts(full, {
      gatewayUrl: stack.gateway.url,
      adminToken: ADMIN_TOKEN,
      tritonUrl: stack.triton.url,
      schema: loadFeatureSchema(paths.featureSchema()),
      journalDir: `${stack.mlflow.dataDir}/../journals`,
      env: { ...process.env, ...stack.env },
    });
    return runDeploy(full, { version }, { ...ports, ...extra });
  }

  const stageLine = (j: DeployJournal) =>
    j.stages.map((s) => `${s.stage} ${s.durationSeconds?.toFixed(1)}s ${s.outcome}`).join(' | ');

  it('seeds v1 champion, v2 challenger, fallback, and the candidates as new versions', () => {
    expect(stack.seed.aliases).toMatchObject({ champion: '1', challenger: '2', fallback: '3' });
    expect(Object.keys(stack.seed.candidates).sort()).toEqual(['bad', 'failing', 'good', 'good-2', 'good-3', 'good-4']);
  });

  it('refuses the bad version at validation, naming the lower holdout AUC, and touches nothing', async () => {
    const journal = await deploy(stack.seed.candidates.bad as string);
    console.log(`bad: ${journal.status}: ${journal.reason}`);
    expect(journal.status).toBe('refused');
    expect(journal.stages.map((s) => s.stage)).toEqual(['fetch', 'validate']);
    expect(journal.reason).toMatch(/holdout roc_auc 0\.\d+ is below the champion's 0\.892/);
    expect((await admin(stack.gateway.url, 'GET', '/admin/models/fraud/weights')).body.weights).toEqual({
      v1: 80,
      v2: 20,
    });
  }, 60_000);

  it('rolls the failing version back from the canary: weights, routes and alias restored, model unloaded', async () => {
    const version = stack.seed.candidates.failing as string;
    const journal = await deploy(version);
    const canary = journal.stages.find((s) => s.stage === 'canary');
    const rollback = journal.stages.find((s) => s.stage === 'rollback');
    console.log(`failing: ${journal.status}: ${stageLine(journal)}; ${canary?.reason}`);
    expect(journal.status).toBe('rolled_back');
    expect(canary?.outcome).toBe('rollback');
    expect(canary?.reason).toMatch(/guardrail|worse/);
    expect(rollback?.outcome).toBe('ok');
    expect(await new MlflowRegistry(stack.mlflow.url).aliasVersion('fraud', 'champion')).toBe('1');
    const routes = (await admin(stack.gateway.url, 'GET', '/admin/models/fraud/routes')).body;
    expect(routes.variants).toEqual({ v1: 'fraud_v1', v2: 'fraud_v2' });
    expect((await admin(stack.gateway.url, 'GET', '/admin/models/fraud/weights')).body.weights).toEqual({
      v1: 80,
      v2: 20,
    });
    expect(await new TritonClient({ url: stack.triton.url }).isModelReady(`fraud_v${version}`)).toBe(false);
  }, 90_000);

  it('ships the good version: published to S3, shadowed, ramped, champion alias and v1 follow', async () => {
    const version = stack.seed.candidates.good as string;
    const journal = await deploy(version);
    console.log(
      `good: ${journal.status} in ${journal.durationSeconds?.toFixed(1)} s: ${stageLine(journal)}; ${journal.reason}`,
    );
    expect(journal.status).toBe('promoted');
    expect(journal.stages.map((s) => s.stage)).toEqual(['fetch', 'validate', 'publish', 'shadow', 'canary', 'promote']);
    expect(await new MlflowRegistry(stack.mlflow.url).aliasVersion('fraud', 'champion')).toBe(version);
    const routes = (await admin(stack.gateway.url, 'GET', '/admin/models/fraud/routes')).body;
    expect(routes.variants).toEqual({ v1: `fraud_v${version}`, v2: 'fraud_v2' });
    expect((await admin(stack.gateway.url, 'GET', '/admin/models/fraud/weights')).body.weights).toEqual({
      v1: 100,
      v2: 0,
    });
    // Deploying the champion again is a no-op, not a second rollout.
    expect((await deploy(version)).reason).toMatch(/already the champion/);
  }, 90_000);

  /** At the start of validation (it reads the registry; publish writes the store): the chaos action stops both. */
  function outageAtValidate(downFor: () => Promise<void>) {
    const seen: { outage?: Promise<string>; back?: Promise<string>; mlflowDown?: boolean; storeDown?: boolean } = {};
    return {
      seen,
      onJournal: (j: DeployJournal) => {
        const last = j.stages.at(-1);
        if (!seen.outage && last?.stage === 'validate' && last.endedAt === undefined) {
          seen.outage = stack.chaos('registry-outage');
          seen.back = seen.outage.then(async () => {
            // Down for real: nothing answers on either port.
            seen.mlflowDown = !(await reachable(`${stack.mlflow.url}/health`));
            seen.storeDown = !(await reachable(`${stack.registry.s3.endpoint}/`));
            await downFor();
            return stack.chaos('registry-restore');
          });
        }
      },
    };
  }

  it('rides out the registry and the store going down mid-deploy (chaos registry-outage): retries with backoff, then ships', async () => {
    const version = stack.seed.candidates['good-2'] as string;
    const retries: string[] = [];
    const patient = { ...SPEC, retry: { maxAttempts: 14, initialDelay: '500ms', maxDelay: '3s' } };
    const outage = outageAtValidate(() => sleep(5_000));
    const journal = await deploy(
      version,
      { onJournal: outage.onJournal, log: (line) => line.startsWith('retry') && retries.push(line) },
      patient,
    );
    const stopped = await outage.seen.outage;
    const back = await outage.seen.back;
    console.log(
      `outage: ${stopped}; ${back}; deploy ${journal.status} after ${retries.length} retries: ${stageLine(journal)}`,
    );
    expect(stopped).toMatch(/mlflow server \d+ stopped .*versitygw \d+ stopped/);
    expect(outage.seen).toMatchObject({ mlflowDown: true, storeDown: true });
    expect(back).toMatch(/back on the same ports and data: .*\d+ on :\d+/);
    // Exponential backoff: the waits between attempts grow (500 ms, 1 s, 2 s, 3 s ...).
    expect(retries.length).toBeGreaterThan(1);
    expect(journal.status).toBe('promoted');
    expect(await new TritonClient({ url: stack.triton.url }).isModelReady(`fraud_v${version}`)).toBe(true);
  }, 120_000);

  it('fails cleanly when the registry stays down past the retry budget; the champion keeps serving', async () => {
    const version = stack.seed.candidates['good-4'] as string;
    const registry = new MlflowRegistry(stack.mlflow.url);
    const champion = await registry.aliasVersion('fraud', 'champion');
    const before = {
      weights: (await admin(stack.gateway.url, 'GET', '/admin/models/fraud/weights')).body.weights,
      routes: (await admin(stack.gateway.url, 'GET', '/admin/models/fraud/routes')).body.variants as Record<
        string,
        string
      >,
    };
    const sentBefore = sent;
    let deployDone = false;
    // Back only once the deploy has given up (SPEC: 3 attempts, 200 ms .. 1 s apart).
    const outage = outageAtValidate(async () => {
      while (!deployDone) await sleep(200);
    });
    const journal = await deploy(version, { onJournal: outage.onJournal });
    deployDone = true;
    const back = await outage.seen.back;
    console.log(`past the budget: ${journal.status}: ${stageLine(journal)}; ${journal.reason}; ${back}`);
    expect(outage.seen).toMatchObject({ mlflowDown: true, storeDown: true });
    // It ends where the outage met it: reading the registry (fetch, validate) or writing the store
    // (publish); never past publish, so no traffic ever reached the new version.
    expect(journal.status).toBe('failed');
    const last = journal.stages.at(-1);
    expect(['fetch', 'validate', 'publish']).toContain(last?.stage);
    expect(journal.stages.slice(0, -1).every((s) => s.outcome === 'ok')).toBe(true);
    expect(journal.reason).toMatch(
      /(fetch|validate|publish) failed: .*(cannot reach the registry|steadystate-models.* failed|failed to (poll|load))/,
    );
    // Serving untouched: traffic flowed during the outage, weights and routes as they were,
    // the champion's model still loaded in Triton.
    expect(sent - sentBefore).toBeGreaterThan(20);
    expect((await admin(stack.gateway.url, 'GET', '/admin/models/fraud/weights')).body.weights).toEqual(before.weights);
    expect((await admin(stack.gateway.url, 'GET', '/admin/models/fraud/routes')).body.variants).toEqual(before.routes);
    expect(await new TritonClient({ url: stack.triton.url }).isModelReady(before.routes.v1 as string)).toBe(true);
    // The registry came back with its data: the champion alias where it was.
    expect(await registry.aliasVersion('fraud', 'champion')).toBe(champion);
  }, 120_000);

  it('deploys when MLflow moves the challenger alias: signed webhook verified, forged one refused', async () => {
    const version = stack.seed.candidates['good-3'] as string;
    const secret = 'webhook-test-secret';
    const receiver = await startWebhookReceiver({
      secret,
      registeredModel: 'fraud',
      startDeploy: (v) => deploy(v),
      log: (line) => console.log(`receiver: ${line}`),
    });
    try {
      const forged = await fetch(receiver.url, {
        method: 'POST',
        headers: {
          'x-mlflow-signature': 'v1,AAAA',
          'x-mlflow-delivery-id': 'x',
          'x-mlflow-timestamp': String(Math.floor(Date.now() / 1000)),
        },
        body: JSON.stringify({
          entity: 'model_version_alias',
          action: 'created',
          data: { name: 'fraud', alias: 'challenger', version },
        }),
      });
      expect(forged.status).toBe(401);
      const registry = new MlflowRegistry(stack.mlflow.url);
      await registry.createAliasWebhook('steadystate-deploy', receiver.url, secret);
      // MLflow's webhook list cache (MLFLOW_WEBHOOK_CACHE_TTL, 5 s from our launcher) still holds
      // the empty list from the last deploy's alias moves: let it expire.
      await new Promise((r) => setTimeout(r, 6_000));
      await registry.setAlias('fraud', 'challenger', version);
      const deadline = Date.now() + 60_000;
      while (!receiver.lastDeploy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      if (!receiver.lastDeploy()) {
        const log = readFileSync(stack.mlflow.logFile, 'utf8').split('\n');
        console.log(
          `no delivery; MLflow log:\n${log
            .filter((l) => /webhook|alias|ERROR|Traceback/i.test(l))
            .slice(-20)
            .join('\n')}`,
        );
      }
      const journal = (await receiver.lastDeploy()) as DeployJournal;
      console.log(`webhook: ${journal?.status}: ${journal ? stageLine(journal) : 'no deploy'}`);
      expect(journal.status).toBe('promoted');
      expect(await registry.aliasVersion('fraud', 'champion')).toBe(version);
    } finally {
      await receiver.close();
    }
  }, 120_000);

  it('failed no user request during the six deploys and the two registry outages', () => {
    console.log(`traffic: ${sent} requests, ${failures.length} failed`);
    expect(sent).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  });
});
