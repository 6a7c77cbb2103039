import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { paths } from '../../adapters/process/paths.ts';
import type { DeployJournal } from '../../core/deploy/journal.ts';
import type { AbDecision, ExperimentOutcome, FaultWindow } from '../../core/report/types.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import { loadFeatureSchema } from '../../gateway/start.ts';
import { deployPorts } from '../deploy/deploy-ports.ts';
import { deploymentFromSpec } from '../deploy/deployment-config.ts';
import type { RegistryStack } from '../deploy/registry-stack.ts';
import { runDeploy } from '../deploy/run-deploy.ts';
import { seedRegistry } from '../deploy/seed-registry.ts';

/**
 * "Ship v3 under load" and "bad v3": with the game day's load running, register three
 * candidates in MLflow and deploy each through the real pipeline (services/deploy): the bad
 * one (lower holdout AUC) must be refused at validation, the failing one (errors under live
 * traffic) rolled back by the canary, the good one promoted within the deployment SLO's
 * target. The report gets one row per hypothesis, each deploy's stages as bands on the time
 * axis and the canary's decisions.
 */
export async function shipModelPhase(opts: {
  registry: RegistryStack;
  specFile: string;
  gatewayUrl: string;
  adminToken: string;
  tritonUrl: string;
  journalDir: string;
  log: (line: string) => void;
  decisions: AbDecision[];
}): Promise<{ outcomes: ExperimentOutcome[]; windows: FaultWindow[]; journals: DeployJournal[] }> {
  const seed = await seedRegistry(opts.registry.mlflow.url, ['bad', 'failing', 'good']);
  opts.log(`ship: registry seeded, candidates ${JSON.stringify(seed.candidates)}`);
  const spec = deploymentFromSpec(loadSpecFile(opts.specFile), 'fraud');
  const deployment = {
    ...spec,
    store: opts.registry.store,
    registry: { ...spec.registry, url: opts.registry.mlflow.url },
  };
  const ports = deployPorts(deployment, {
    gatewayUrl: opts.gatewayUrl,
    adminToken: opts.adminToken,
    tritonUrl: opts.tritonUrl,
    schema: loadFeatureSchema(paths.featureSchema()),
    journalDir: opts.journalDir,
    env: { ...process.env, ...opts.registry.env },
    // The run's own spec (the stack's copy) records the promote.
    specFile: opts.specFile,
  });
  const deploy = async (kind: 'bad' | 'failing' | 'good') => {
    const version = seed.candidates[kind] as string;
    const journal = await runDeploy(
      deployment,
      { version },
      { ...ports, log: (l) => opts.log(`ship ${kind} v${version}: ${l}`) },
    );
    opts.log(`ship: ${kind} version ${version} -> ${journal.status}: ${journal.reason ?? ''}`);
    for (const look of journal.canaryLooks.filter((l) => l.decision !== 'wait')) {
      opts.decisions.push({
        atMs: Date.parse(look.at),
        experiment: `deploy fraud v${version} (${kind})`,
        decision: `canary ${look.percent}%: ${look.decision}`,
        reason: look.reason,
      });
    }
    return journal;
  };
  const bad = await deploy('bad');
  const failing = await deploy('failing');
  const good = await deploy('good');
  const journals = [bad, failing, good];
  const windows = journals.flatMap((j) =>
    j.stages.map((s) => ({
      experiment: 'ship-model',
      label: `v${j.version} ${s.stage}`,
      startMs: Date.parse(s.startedAt),
      endMs: s.endedAt ? Date.parse(s.endedAt) : null,
    })),
  );
  const target = parseDuration(spec.slo.target);
  const stagesOf = (j: DeployJournal) =>
    j.stages.map((s) => `${s.stage} ${s.durationSeconds?.toFixed(1)} s (${s.outcome}): ${s.reason ?? ''}`);
  const canary = failing.stages.find((s) => s.stage === 'canary');
  const rollback = failing.stages.find((s) => s.stage === 'rollback');
  const rollbackSeconds =
    canary?.durationSeconds != null && rollback?.durationSeconds != null
      ? canary.durationSeconds + rollback.durationSeconds
      : null;
  const outcomes: ExperimentOutcome[] = [
    {
      name: 'ship-model',
      title: 'Ship a model under load: validate, publish to S3, shadow, canary, promote',
      hypothesis: `a good version reaches 100% within ${spec.slo.target} with no failed request`,
      verdict: good.status === 'promoted' && (good.durationSeconds ?? Infinity) <= target ? 'held' : 'deviated',
      explanation: [
        `version ${good.version}: ${good.status} in ${good.durationSeconds?.toFixed(1)} s`,
        ...stagesOf(good),
      ],
      detectionSeconds: null,
      detectionTargetSeconds: null,
      recoverySeconds: good.durationSeconds ?? null,
      recoveryTargetSeconds: target,
      pagesExpected: [],
      pagesReceived: [],
    },
    {
      name: 'bad-model',
      title: 'Bad models: refused at validation, rolled back by the canary',
      hypothesis: 'a lower-AUC version is refused; a version failing under traffic is rolled back by the 2x guardrail',
      verdict: bad.status === 'refused' && failing.status === 'rolled_back' ? 'held' : 'deviated',
      explanation: [
        `bad version ${bad.version}: ${bad.status}: ${bad.reason ?? ''}`,
        `failing version ${failing.version}: ${failing.status}`,
        ...stagesOf(failing),
      ],
      detectionSeconds: canary?.durationSeconds ?? null,
      detectionTargetSeconds: 30,
      recoverySeconds: rollbackSeconds,
      recoveryTargetSeconds: 30,
      pagesExpected: [],
      pagesReceived: [],
    },
  ];
  return { outcomes, windows, journals };
}
