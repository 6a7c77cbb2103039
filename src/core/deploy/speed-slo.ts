import { DEPLOY } from '../metrics/names.ts';
import { parseDuration } from '../spec/kinds/common.ts';
import type { DeploymentSpec } from '../spec/kinds/deployment.ts';
import type { DeployJournal } from './journal.ts';

/**
 * The deploy-speed SLO (the playbook: a new model in production within 10 minutes for 95%
 * of deploys, every deploy within 30): pure arithmetic over the finished deploys' journals.
 * A deploy's duration is its lead time, from the version's registration to 100% or
 * rollback; refusals before any stage ran (the error budget gate) are not deploys.
 */

export interface SpeedSummary {
  deploys: number;
  withinTarget: number;
  withinLimit: number;
  ratio: number | null;
  verdict: 'met' | 'missed' | 'no_data';
  line: string;
}

function leadTime(j: DeployJournal): number | undefined {
  return j.leadTimeSeconds ?? j.durationSeconds;
}

export function finishedDeploys(journals: readonly DeployJournal[], model?: string): DeployJournal[] {
  return journals.filter(
    (j) =>
      j.status !== 'running' &&
      j.stages.length > 0 &&
      (!model || j.registeredModel === model) &&
      leadTime(j) !== undefined,
  );
}

export function speedSummary(
  journals: readonly DeployJournal[],
  slo: DeploymentSpec['slo'],
  model?: string,
): SpeedSummary {
  const done = finishedDeploys(journals, model);
  const target = parseDuration(slo.target);
  const limit = parseDuration(slo.limit);
  const withinTarget = done.filter((j) => (leadTime(j) as number) <= target).length;
  const withinLimit = done.filter((j) => (leadTime(j) as number) <= limit).length;
  if (done.length === 0) {
    return {
      deploys: 0,
      withinTarget,
      withinLimit,
      ratio: null,
      verdict: 'no_data',
      line: `deploy speed: no finished deploy yet (objective ${pct(slo.objective)} within ${slo.target})`,
    };
  }
  const ratio = withinTarget / done.length;
  const verdict = ratio >= slo.objective && withinLimit === done.length ? 'met' : 'missed';
  return {
    deploys: done.length,
    withinTarget,
    withinLimit,
    ratio,
    verdict,
    line: `deploy speed: ${withinTarget}/${done.length} deploys within ${slo.target} (${pct(ratio)}, objective ${pct(slo.objective)}), ${done.length - withinLimit} over ${slo.limit}: ${verdict}`,
  };
}

/** The Pushgateway exposition: the histogram over every finished deploy, and the last one's figures. */
export function deployMetricsText(
  journals: readonly DeployJournal[],
  model: string,
  slo: DeploymentSpec['slo'],
): string {
  const done = finishedDeploys(journals, model);
  const bounds = [parseDuration(slo.target), parseDuration(slo.limit)];
  const m = `model="${model}"`;
  const lines = [
    `# HELP ${DEPLOY.duration} Deploy lead time, registration to 100% or rollback`,
    `# TYPE ${DEPLOY.duration} histogram`,
  ];
  for (const le of bounds) {
    lines.push(
      `${DEPLOY.duration}_bucket{${m},le="${le}"} ${done.filter((j) => (leadTime(j) as number) <= le).length}`,
    );
  }
  lines.push(`${DEPLOY.duration}_bucket{${m},le="+Inf"} ${done.length}`);
  lines.push(`${DEPLOY.duration}_sum{${m}} ${done.reduce((s, j) => s + (leadTime(j) as number), 0)}`);
  lines.push(`${DEPLOY.duration}_count{${m}} ${done.length}`);
  const last = done.at(-1);
  if (last) {
    lines.push(
      `# TYPE ${DEPLOY.lastDuration} gauge`,
      `${DEPLOY.lastDuration}{${m},status="${last.status}"} ${leadTime(last)}`,
    );
    lines.push(`# TYPE ${DEPLOY.lastStageDuration} gauge`);
    for (const s of last.stages)
      lines.push(`${DEPLOY.lastStageDuration}{${m},stage="${s.stage}"} ${s.durationSeconds ?? 0}`);
    lines.push(
      `# TYPE ${DEPLOY.lastEnded} gauge`,
      `${DEPLOY.lastEnded}{${m}} ${Date.parse(last.endedAt ?? last.startedAt) / 1000}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function pct(x: number): string {
  return `${Number((x * 100).toPrecision(4))}%`;
}
