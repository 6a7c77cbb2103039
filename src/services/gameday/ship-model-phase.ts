import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { paths } from '../../adapters/process/paths.ts';
import type { DeployJournal } from '../../core/deploy/journal.ts';
import type { LoadRecord } from '../../core/load/record.ts';
import { withLoadCounts } from '../../core/report/deploys.ts';
import type { AbDecision, DeployRecord, ExperimentOutcome, FaultWindow } from '../../core/report/types.ts';
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
}): Promise<{
  outcomes: ExperimentOutcome[];
  windows: FaultWindow[];
  journals: DeployJournal[];
  deploys: DeployRecord[];
}> {
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
  const deploys = (
    [
      ['bad', bad],
      ['failing', failing],
      ['good', good],
    ] as const
  ).map(([kind, j]) => deployRecord(j, kind));
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
  return { outcomes, windows, journals, deploys };
}

/** A deploy journal as the report draws it (request counts filled once the load has ended). */
export function deployRecord(j: DeployJournal, kind: string): DeployRecord {
  return {
    title: `${j.registeredModel} v${j.version} (${kind})`,
    status: j.status,
    reason: j.reason ?? '',
    startMs: Date.parse(j.startedAt),
    endMs: j.endedAt ? Date.parse(j.endedAt) : null,
    stages: j.stages.map((s) => ({
      stage: s.stage,
      startMs: Date.parse(s.startedAt),
      endMs: s.endedAt ? Date.parse(s.endedAt) : null,
      outcome: s.outcome ?? 'open',
      reason: s.reason ?? '',
    })),
    decisions: j.canaryLooks
      .filter((l) => l.decision !== 'wait')
      .map((l) => ({ atMs: Date.parse(l.at), percent: l.percent, decision: l.decision, reason: l.reason })),
    requests: null,
    failedRequests: null,
  };
}

/**
 * Once the load has ended: what users saw during each deploy (the load driver's own records),
 * written into the report's deploys and judged: the ship-model hypothesis says no request
 * failed while the good version shipped, the bad-model one the same for the failing canary.
 */
export function judgeDeploysUnderLoad(
  outcomes: ExperimentOutcome[],
  deploys: readonly DeployRecord[],
  load: { records: readonly LoadRecord[]; startedAtEpochMs: number },
): DeployRecord[] {
  const counted = withLoadCounts(deploys, load.records, load.startedAtEpochMs);
  for (const o of outcomes) {
    const kinds = o.name === 'ship-model' ? ['good'] : o.name === 'bad-model' ? ['bad', 'failing'] : [];
    for (const d of counted.filter((x) => kinds.some((k) => x.title.endsWith(`(${k})`)))) {
      o.explanation.push(`${d.title}: ${d.failedRequests} of ${d.requests} requests failed during the deploy`);
      if ((d.failedRequests ?? 1) > 0) o.verdict = 'deviated';
    }
  }
  return counted;
}
