import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpPromQuery } from '../../adapters/chaos/prometheus-query.ts';
import { loadExperimentFile } from '../../adapters/files/experiment-file.ts';
import { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
import { paths } from '../../adapters/process/paths.ts';
import type { Journal } from '../../core/chaos/journal.ts';
import { describeRunEvent } from '../../core/chaos/run-events.ts';
import type { ExperimentOutcome, ExperimentVerdict, FaultWindow } from '../../core/report/types.ts';
import { chaosTargetOf } from '../../core/spec/kinds/chaos-target.ts';
import type { Spec } from '../../core/spec/parse.ts';
import { parseSpec, stackOf } from '../../core/spec/parse.ts';
import { LocalState } from '../chaos/providers/local-state.ts';
import { runExperiment } from '../chaos/runner.ts';
import type { GameDayContext } from './run-gameday.ts';

/** The experiments of each game day, in order: the playbook's failure table, locally. */
export const QUICK_SUITE = ['gpu-server-crash', 'latency-500ms'];
export const FULL_SUITE = [
  'gpu-server-crash',
  'latency-500ms',
  'feature-store-down',
  'model-registry-unavailable',
  'model-load-oom',
  'cache-stampede',
];

/** Pages each experiment must cause (the generated alerts), checked against the receiver. */
export const EXPECTED_PAGES: Record<string, string[]> = {
  'gpu-server-crash': ['SLOBurnRateFast'],
};

/**
 * Runs the chaos experiments one at a time against the game day's stack, and turns each
 * journal into the report's outcome and fault window. The journals are written beside it.
 */
export function chaosSuite(spec: Spec, names: string[]) {
  return async (
    ctx: GameDayContext,
  ): Promise<{ outcomes: ExperimentOutcome[]; windows: FaultWindow[]; journals: Journal[] }> => {
    const { stack } = ctx;
    // The stack as this run started it (Redis cache and feature store, its Triton ports).
    const stackSpec = stackOf(parseSpec(readFileSync(stack.specFile, 'utf8'), stack.specFile)).spec;
    const target = chaosTargetOf(spec);
    const outcomes: ExperimentOutcome[] = [];
    const windows: FaultWindow[] = [];
    const journals: Journal[] = [];
    for (const name of names) {
      const file = join(paths.root(), 'chaos', 'experiments', `${name}.yaml`);
      const document = loadExperimentFile(file);
      ctx.log(`chaos: ${name} (${document.spec.playbook?.failure ?? ''})`);
      // The stack's own state (identities recorded at launch); restarts are written back to it.
      const local = new LocalState(stack.state, stack.stateFile);
      const journal = await runExperiment({
        document,
        file,
        stack: stackSpec,
        target,
        env: {
          gatewayUrl: stack.gateway.url,
          admin: new GatewayAdminClient({ url: stack.gateway.url, token: stack.adminToken }),
          local,
          prometheus: new HttpPromQuery(stack.prometheus.url),
        },
        timeScale: ctx.quick ? 0.5 : 1,
        onEvent: (event) => {
          const line = describeRunEvent(event);
          if (line) ctx.log(line.replace(/^/gm, '  '));
        },
      });
      journals.push(journal);
      outcomes.push(outcomeOf(journal, document.spec.steadyState?.probes?.map((p) => p.name) ?? []));
      const w = windowOf(journal, document.metadata.description ?? name);
      if (w) windows.push(w);
      ctx.log(`  -> ${journal.status}${journal.deviated ? ', deviated' : ''}: ${journal.reason}`);
    }
    return { outcomes, windows, journals };
  };
}

function verdictOf(j: Journal): ExperimentVerdict {
  if (j.status === 'completed') return j.deviated ? 'deviated' : 'held';
  return j.status;
}

export function outcomeOf(j: Journal, probes: string[]): ExperimentOutcome {
  const explanation = [j.reason];
  if (j.error) explanation.push(j.error);
  return {
    name: j.experiment.name,
    title: j.experiment.playbook?.failure ?? j.experiment.name,
    hypothesis: `${probes.join(', ')} hold before, during and after; mitigation: ${j.experiment.playbook?.mitigation ?? '-'}`,
    verdict: verdictOf(j),
    explanation,
    detectionSeconds: j.detection?.measuredSeconds ?? null,
    detectionTargetSeconds: j.detection?.withinSeconds ?? null,
    recoverySeconds: j.recovery?.measuredSeconds ?? null,
    recoveryTargetSeconds: j.recovery?.withinSeconds ?? null,
    pagesExpected: EXPECTED_PAGES[j.experiment.name] ?? [],
    pagesReceived: [],
  };
}

/** The fault window: first method action to the end of the last rollback, on the wall clock. */
export function windowOf(j: Journal, label: string): FaultWindow | undefined {
  const first = j.method[0];
  if (!first) return undefined;
  const start = Date.parse(j.startedAt);
  const lastStep = [...j.method, ...j.rollbacks].reduce((m, s) => Math.max(m, s.endSeconds), first.endSeconds);
  return {
    experiment: j.experiment.name,
    label: label.slice(0, 80),
    startMs: start + first.startSeconds * 1000,
    endMs: start + lastStep * 1000,
  };
}
