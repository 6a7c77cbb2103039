import { beginStage, type DeployJournal, endStage, finish, newJournal, nextStage } from '../../core/deploy/journal.ts';
import type { VersionRef } from '../../core/deploy/registry.ts';
import type { DeploymentSpec } from '../../core/spec/kinds/deployment.ts';
import type { DeployPorts } from './ports.ts';
import { deployRetry } from './retry.ts';
import { STAGE_RUNNERS, type StageContext, type StageResult } from './stages.ts';

export type { DeployGateway, DeployPorts, DeployTriton } from './ports.ts';

/**
 * The deploy service: runs the stage machine of core/deploy/journal.ts against the real
 * parts (registry, object store, Triton model control, the gateway's admin API, its
 * counters), saving the journal after every change. Called by `steadystate deploy`, the
 * MLflow deployments plugin (through that CLI), the registry webhook and the game day.
 */

export class DeployRefusedError extends Error {
  override readonly name = 'DeployRefusedError';
}

export async function runDeploy(spec: DeploymentSpec, ref: VersionRef, ports: DeployPorts): Promise<DeployJournal> {
  const now = ports.now ?? (() => new Date());
  const log = ports.log ?? (() => undefined);
  const withRetry = deployRetry(spec, (attempt, error) =>
    log(`retry ${attempt}: ${(error as Error | undefined)?.message ?? 'transient failure'}`),
  );
  const name = spec.registry.name;
  const version = await withRetry(() => ports.registry.resolve(name, ref));
  const requested = ref.alias ? `alias ${ref.alias}` : `version ${ref.version}`;

  let journal: DeployJournal;
  const running = ports.journals.running(name);
  if (running && running.version !== version.version) {
    throw new DeployRefusedError(
      `deploy ${running.id} of version ${running.version} is still running; it must finish first (rerun it with --version ${running.version} to resume it)`,
    );
  }
  if (running) {
    journal = running;
    log(`resuming deploy ${journal.id} at ${nextStage(journal) ?? 'its end'}`);
  } else {
    journal = newJournal({
      registeredModel: name,
      model: spec.model,
      version: version.version,
      requested,
      tritonModel: version.tags.triton_model || spec.tritonModelName.replace('{version}', version.version),
      now: now(),
    });
    journal.registeredAtMs = version.createdAtMs;
    const champion = await withRetry(() => ports.registry.aliasVersion(name, 'champion'));
    if (champion === version.version) {
      return save(
        finish(journal, 'promoted', `version ${version.version} is already the champion; nothing to do`, now()),
      );
    }
    if (ports.gate) {
      const gate = await ports.gate();
      if (!gate.allow)
        return save(finish(journal, 'refused', `error budget policy blocks deploys: ${gate.reason}`, now()));
    }
  }

  function save(j: DeployJournal): DeployJournal {
    journal = j;
    ports.journals.save(j);
    ports.onJournal?.(j);
    return j;
  }

  const context: StageContext = { spec, ports, version, withRetry, log, now, files: undefined, save: (j) => save(j) };
  save(journal);
  for (let stage = nextStage(journal); stage; stage = nextStage(journal)) {
    save(beginStage(journal, stage, now()));
    log(`${stage}: started`);
    let result: StageResult;
    try {
      result = await STAGE_RUNNERS[stage](context, () => journal);
    } catch (error) {
      // Retries exhausted or an answer that ends the deploy: a clean failure, serving untouched
      // before the canary, rolled back after it started.
      const message = (error as Error).message;
      const touched = journal.stages.some((s) => s.stage === 'shadow' || s.stage === 'canary' || s.stage === 'promote');
      result =
        touched && stage !== 'rollback'
          ? { outcome: 'rollback', reason: `${stage} failed: ${message}` }
          : { outcome: 'failed', reason: `${stage} failed: ${message}` };
    }
    save(endStage(journal, result.outcome, result.reason, now(), result.details));
    log(`${stage}: ${result.outcome} (${result.reason})`);
  }
  return journal;
}
