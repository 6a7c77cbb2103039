import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Routes } from '../../../src/adapters/gateway/admin-client.ts';
import { paths } from '../../../src/adapters/process/paths.ts';
import { type CounterSnapshot, zeroCounters } from '../../../src/core/abtest/counters.ts';
import type { DeployJournal } from '../../../src/core/deploy/journal.ts';
import type { ModelRegistry, RegisteredVersion } from '../../../src/core/deploy/registry.ts';
import { featureSchemaFile } from '../../../src/core/spec/feature-schema.ts';
import { deploymentSpec } from '../../../src/core/spec/kinds/deployment.ts';
import { InMemoryObjectStore } from '../../../src/core/storage/object-store.ts';
import type { CounterReading } from '../../../src/services/abtest/counter-source.ts';
import { JournalStore } from '../../../src/services/deploy/journal-store.ts';
import { type DeployPorts, runDeploy } from '../../../src/services/deploy/run-deploy.ts';
import { specFileOnDisk } from '../../../src/services/deploy/spec-file.ts';

/**
 * The deploy service's control flow on in-memory fakes of its ports (the real parts run in
 * test/integration/deploy.test.ts): a deploy killed mid-canary resumes from its journal on
 * disk and finishes, without repeating the stages it had done.
 */
const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
const SPEC = deploymentSpec.parse({
  model: 'fraud',
  championVariant: 'v1',
  canaryVariant: 'v2',
  store: 'memory',
  validation: { probeRequests: 20, p99Budget: '1s' },
  shadow: { duration: '100ms', minRequests: 10 },
  canary: { steps: [50, 100], stepDuration: '100ms', minRequestsPerStep: 20, evaluateEvery: '20ms' },
});

const signature = JSON.stringify(
  schema.features.map((f) => ({ type: f.type === 'categorical' ? 'string' : 'double', name: f.name, required: true })),
);
const MLMODEL = `signature:\n  inputs: '${signature}'\n  outputs: '[{"type": "double", "name": "score"}]'\n  params: null\n`;

function fakeRegistry(): ModelRegistry & { aliases: Map<string, string> } {
  const versions: Record<string, RegisteredVersion & { metrics: Record<string, number> }> = {
    '1': {
      name: 'fraud',
      version: '1',
      createdAtMs: 0,
      runId: 'r1',
      tags: { triton_model: 'fraud_v1' },
      aliases: [],
      metrics: { holdout_roc_auc: 0.89, holdout_pr_auc: 0.21 },
    },
    '4': {
      name: 'fraud',
      version: '4',
      createdAtMs: Date.now(),
      runId: 'r4',
      tags: {},
      aliases: [],
      metrics: { holdout_roc_auc: 0.93, holdout_pr_auc: 0.34 },
    },
  };
  const aliases = new Map([['champion', '1']]);
  const byRun = (runId: string) => Object.values(versions).find((v) => v.runId === runId);
  return {
    url: 'memory://registry',
    aliases,
    resolve: async (_name, ref) => {
      const v = versions[ref.version ?? aliases.get(ref.alias ?? '') ?? ''];
      if (!v) throw new Error(`no version ${JSON.stringify(ref)}`);
      return v;
    },
    aliasVersion: async (_name, alias) => aliases.get(alias),
    setAlias: async (_name, alias, version) => void aliases.set(alias, version),
    deleteAlias: async (_name, alias) => void aliases.delete(alias),
    runMetrics: async (runId) => byRun(runId)?.metrics ?? {},
    modelFile: async (_name, _version, path) => new TextEncoder().encode(path === 'MLmodel' ? MLMODEL : 'onnx-bytes'),
    runFile: async (_runId, path) =>
      new TextEncoder().encode(
        path.endsWith('config.pbtxt') ? 'name: "fraud_candidate"\nmax_batch_size: 32\n' : 'model.py',
      ),
  };
}

/** `canaryErrorShare`: the share of the canary variant's requests that fail (a failing model). */
function fakeServing(canaryErrorShare = 0) {
  let weights: Record<string, number> = { v1: 80, v2: 20 };
  let routes: Routes = { variants: { v1: 'fraud_v1', v2: 'fraud_v2' }, thresholds: {}, shadow: null };
  const loaded = new Set(['fraud_v1', 'fraud_v2']);
  const totals: Record<string, number> = { v1: 0, v2: 0 };
  let shadowCalls = 0;
  const counters = {
    async read(): Promise<CounterReading> {
      // 100 requests per look, split by the live weights; no errors.
      for (const v of ['v1', 'v2']) totals[v] = (totals[v] ?? 0) + (weights[v] ?? 0);
      if (routes.shadow) shadowCalls += 20;
      const snapshot: CounterSnapshot = Object.fromEntries(
        Object.entries(totals).map(([v, n]) => {
          const errors = v === 'v2' ? Math.round(n * canaryErrorShare) : 0;
          return [v, { ...zeroCounters(), requests: n, errors, predictions: n - errors }];
        }),
      );
      const latency = { count: shadowCalls, sum: shadowCalls * 0.002, sumSquares: 0 };
      return {
        ok: true,
        snapshot,
        shadow: [{ variant: 'v2', compared: shadowCalls, agreed: shadowCalls, latency, servedLatency: latency }],
      };
    },
  };
  return {
    loaded,
    state: () => ({ weights, routes }),
    triton: {
      loadModel: async (m: string) => void loaded.add(m),
      unloadModel: async (m: string) => void loaded.delete(m),
      infer: async () => ({
        model_name: 'x',
        outputs: [{ name: 'score', shape: [1, 1], datatype: 'FP32' as const, data: [0.12] }],
      }),
    },
    gateway: {
      getWeights: async () => ({ ...weights }),
      setWeights: async (_m: string, w: Record<string, number>) => {
        weights = { ...w };
        return weights;
      },
      getRoutes: async () => structuredClone(routes),
      setRoutes: async (_m: string, u: Partial<Routes>) => {
        routes = {
          variants: { ...routes.variants, ...u.variants },
          thresholds: { ...routes.thresholds, ...u.thresholds },
          shadow: u.shadow === undefined ? routes.shadow : u.shadow,
        };
        return routes;
      },
    },
    counters,
  };
}

/** Fresh fakes around `serving`: a registry, an empty store, a journal folder of its own. */
function portsOn(serving: ReturnType<typeof fakeServing>, extra: Partial<DeployPorts> = {}): DeployPorts {
  return {
    registry: fakeRegistry(),
    store: new InMemoryObjectStore(),
    triton: serving.triton,
    gateway: serving.gateway,
    counters: serving.counters,
    schema,
    journals: new JournalStore(mkdtempSync(join(tmpdir(), 'steadystate-journals-'))),
    ...extra,
  };
}

describe('runDeploy on fakes', () => {
  it('resumes a deploy killed mid-canary from its journal and promotes, each earlier stage run once', async () => {
    const registry = fakeRegistry();
    const serving = fakeServing();
    const store = new InMemoryObjectStore();
    const journals = new JournalStore(mkdtempSync(join(tmpdir(), 'steadystate-journals-')));
    const ports = (onJournal?: (j: DeployJournal) => void): DeployPorts => ({
      registry,
      store,
      triton: serving.triton,
      gateway: serving.gateway,
      counters: serving.counters,
      schema,
      journals,
      ...(onJournal ? { onJournal } : {}),
    });
    const crash = (j: DeployJournal) => {
      const last = j.stages.at(-1);
      if (last?.stage === 'canary' && last.endedAt === undefined && last.attempts === 1) throw new Error('killed');
    };
    await expect(runDeploy(SPEC, { version: '4' }, ports(crash))).rejects.toThrow('killed');
    const onDisk = journals.running('fraud');
    expect(onDisk?.stages.map((s) => `${s.stage}:${s.outcome ?? 'open'}`)).toEqual([
      'fetch:ok',
      'validate:ok',
      'publish:ok',
      'shadow:ok',
      'canary:open',
    ]);
    // A second deploy of another version is refused while this one is unfinished.
    await expect(runDeploy(SPEC, { version: '1' }, ports())).rejects.toThrow(/still running/);

    const journal = await runDeploy(SPEC, { version: '4' }, ports());
    expect(journal.status).toBe('promoted');
    expect(journal.stages.map((s) => `${s.stage}:${s.attempts}`)).toEqual([
      'fetch:1',
      'validate:1',
      'publish:1',
      'shadow:1',
      'canary:2',
      'promote:1',
    ]);
    expect(registry.aliases.get('champion')).toBe('4');
    expect(serving.state()).toEqual({
      weights: { v1: 100, v2: 0 },
      routes: { variants: { v1: 'fraud_v4', v2: 'fraud_v2' }, thresholds: {}, shadow: null },
    });
    expect(await store.list('fraud_v4/')).toEqual([
      'fraud_v4/1/model.onnx',
      'fraud_v4/1/model.py',
      'fraud_v4/config.pbtxt',
    ]);
    expect(new TextDecoder().decode(await store.get('fraud_v4/config.pbtxt'))).toMatch(/^name: "fraud_v4"/);
    // Done is done: the same deploy again is a no-op.
    expect((await runDeploy(SPEC, { version: '4' }, ports())).reason).toMatch(/already the champion/);
  }, 20_000);

  it('refuses to start while the error budget policy blocks deploys, touching nothing', async () => {
    const serving = fakeServing();
    const journal = await runDeploy(
      SPEC,
      { version: '4' },
      portsOn(serving, {
        gate: async () => ({ allow: false, reason: 'fraud-availability: 4% of the budget left' }),
      }),
    );
    expect(journal.status).toBe('refused');
    expect(journal.reason).toMatch(/error budget policy blocks deploys: fraud-availability/);
    expect(journal.stages).toEqual([]);
    expect(serving.state().weights).toEqual({ v1: 80, v2: 20 });
  });

  describe('the spec file on disk', () => {
    /** A copy of the shipped steadystate.yaml, and the deploy's ports writing to it. */
    function withSpecFile(serving: ReturnType<typeof fakeServing>) {
      const file = join(mkdtempSync(join(tmpdir(), 'steadystate-spec-')), 'steadystate.yaml');
      copyFileSync(join(paths.root(), 'steadystate.yaml'), file);
      const ports = portsOn(serving, { specFile: specFileOnDisk(file) });
      return { file, before: readFileSync(file, 'utf8'), ports };
    }

    it("follows a promote: the champion variant's Triton model and the weights, journaled; nothing else changes", async () => {
      const { file, before, ports } = withSpecFile(fakeServing());
      const journal = await runDeploy(SPEC, { version: '4' }, ports);
      expect(journal.status).toBe('promoted');
      const after = readFileSync(file, 'utf8');
      const changed = (text: string) => text.split('\n').filter((l, i) => l !== after.split('\n')[i]);
      expect(changed(before)).toEqual([
        '        - { name: v1, tritonModel: fraud_v1, weight: 80 }',
        '        - { name: v2, tritonModel: fraud_v2, weight: 20 }',
      ]);
      expect(after).toContain('        - { name: v1, tritonModel: fraud_v4, weight: 100 }\n');
      expect(after).toContain('        - { name: v2, tritonModel: fraud_v2, weight: 0 }\n');
      const promote = journal.stages.find((s) => s.stage === 'promote');
      expect(promote?.details?.specChanges).toEqual([
        'v1.tritonModel fraud_v1 -> fraud_v4',
        'v1.weight 80 -> 100',
        'v2.weight 20 -> 0',
      ]);
      expect(promote?.reason).toContain(
        `${file}: v1.tritonModel fraud_v1 -> fraud_v4, v1.weight 80 -> 100, v2.weight 20 -> 0`,
      );
    }, 20_000);

    it('is left byte for byte as it was by a canary rollback', async () => {
      const serving = fakeServing(0.5);
      const { file, before, ports } = withSpecFile(serving);
      const journal = await runDeploy(SPEC, { version: '4' }, ports);
      expect(journal.status).toBe('rolled_back');
      expect(journal.stages.map((s) => `${s.stage}:${s.outcome}`)).toContain('canary:rollback');
      expect(serving.state().weights).toEqual({ v1: 80, v2: 20 });
      expect(readFileSync(file, 'utf8')).toBe(before);
    }, 20_000);
  });
});
