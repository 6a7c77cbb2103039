import { CHAOS } from '../../core/metrics/names.ts';
import type { AlertingRule } from '../../core/slo/rule-types.ts';
import type { ChaosTargetSpec } from '../../core/spec/kinds/chaos-target.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';

/**
 * The alerts that watch scheduled chaos (kubernetes-mixin's convention: every alert has
 * severity, summary, description and runbook_url). A scheduled experiment that failed means
 * a playbook mitigation no longer holds: page before the real failure finds out. One that
 * stopped reporting means the safety net is gone unnoticed: page too.
 */
export const CHAOS_PUSH_JOB = 'steadystate-chaos';

export const CHAOS_ALERTS = ['ChaosExperimentFailed', 'ChaosExperimentNotRun', 'ChaosExperimentResultMissing'] as const;

export function chaosRunbookUrl(alert: string, baseUrl?: string): string {
  const path = `chaos/RUNBOOK.md#${alert.toLowerCase()}`;
  return baseUrl ? `${baseUrl.replace(/\/+$/, '')}/${path}` : path;
}

export function chaosAlertRules(target: ChaosTargetSpec): { groups: { name: string; rules: AlertingRule[] }[] } {
  const job = `job="${CHAOS_PUSH_JOB}"`;
  const runbook = (alert: string) => chaosRunbookUrl(alert, target.runbookBaseUrl);
  const rules: AlertingRule[] = [
    {
      alert: 'ChaosExperimentFailed',
      expr: `${CHAOS.success}{${job}} == 0`,
      labels: { severity: 'page', burn_tier: 'none' },
      annotations: {
        summary: 'Chaos experiment {{ $labels.experiment }} failed its last run',
        description:
          "The last scheduled run of {{ $labels.experiment }} did not hold its steady-state hypothesis (it deviated, was aborted, failed or was interrupted): the playbook mitigation it checks may be broken. Read the run's journal (kubectl logs of the last chaos-{{ $labels.experiment }} Job) and fix the mitigation before a real failure tests it.",
        runbook_url: runbook('ChaosExperimentFailed'),
      },
    },
  ];
  for (const s of target.schedules) {
    const staleSeconds = parseDuration(s.staleAfter);
    const selector = `${job},experiment="${s.experiment}"`;
    rules.push(
      {
        alert: 'ChaosExperimentNotRun',
        expr: `time() - ${CHAOS.lastRun}{${selector}} > ${staleSeconds}`,
        labels: { severity: 'page', burn_tier: 'none', experiment: s.experiment },
        annotations: {
          summary: `Chaos experiment ${s.experiment} has not run for ${s.staleAfter}`,
          description: `${s.experiment} is scheduled "${s.cron}" (${s.timeZone}) but its last result is older than ${s.staleAfter}: the CronJob is suspended, failing to start, or cannot push. Without it nobody knows whether the mitigation still holds.`,
          runbook_url: runbook('ChaosExperimentNotRun'),
        },
      },
      {
        // Never ran, or the Pushgateway lost its results: absent for as long as a run may be late.
        alert: 'ChaosExperimentResultMissing',
        expr: `absent(${CHAOS.lastRun}{${selector}})`,
        for: s.staleAfter,
        labels: { severity: 'page', burn_tier: 'none', experiment: s.experiment },
        annotations: {
          summary: `No result of chaos experiment ${s.experiment} for ${s.staleAfter}`,
          description: `Prometheus has had no ${CHAOS.lastRun} for ${s.experiment} (scheduled "${s.cron}", ${s.timeZone}) for ${s.staleAfter}: it never ran, cannot push, or the Pushgateway lost its data (no persistence) and no run has pushed since.`,
          runbook_url: runbook('ChaosExperimentResultMissing'),
        },
      },
    );
  }
  return { groups: [{ name: 'steadystate-chaos', rules }] };
}

export function chaosRunbookMarkdown(target: ChaosTargetSpec, header: string): string {
  const lines = [
    header.trimEnd(),
    '',
    '# Runbook: scheduled chaos',
    '',
    'Scheduled experiments run as CronJobs (`chaos/k8s/`), each pushing its result to the Pushgateway',
    `(job \`${CHAOS_PUSH_JOB}\`, grouped by \`experiment\`); Prometheus must scrape the Pushgateway with`,
    '`honor_labels: true` so those labels survive. The gauges: ' +
      `\`${CHAOS.success}\`, \`${CHAOS.lastRun}\`, \`${CHAOS.detection}\`, \`${CHAOS.recovery}\`.`,
    '',
    '| experiment | schedule | pages when no result for |',
    '|---|---|---|',
    ...target.schedules.map(
      (s) =>
        `| ${s.experiment} (\`chaos/experiments/${s.experiment}.yaml\`) | \`${s.cron}\` ${s.timeZone} | ${s.staleAfter} |`,
    ),
    '',
    '## ChaosExperimentFailed',
    '',
    'The last run did not hold its hypothesis: a playbook mitigation (replicas, fallback tiers, breakers,',
    'deadlines) did not do its job under the injected failure.',
    '',
    "1. The run's journal: `kubectl -n <namespace> logs job/<the last chaos-<experiment> job>` prints the",
    '   conclusion line; every probe value is in the JSON journal it writes to /tmp/chaos.',
    "2. Which probe deviated, and when: the journal's `reason`, then `during.ticks`.",
    '3. Run it again by hand with `--dry-run` first: `steadystate chaos run chaos/experiments/<experiment>.yaml --dry-run`.',
    '4. The alert clears with the next successful run (or push one by re-running the CronJob: `kubectl create job --from=cronjob/chaos-<experiment> chaos-<experiment>-manual`).',
    '',
    '## ChaosExperimentNotRun',
    '',
    'No result for longer than the schedule allows: the CronJob is suspended, its pods cannot start',
    '(image, quota, Pod Security), the run exceeded its deadline, or it cannot reach the Pushgateway.',
    '',
    "1. `kubectl -n <namespace> get cronjob chaos-<experiment>` (SUSPEND, LAST SCHEDULE), then the last Job's events.",
    '2. A run that refuses to act (namespace not allowed, no pod opted in) still pushes a failed result;',
    '   no result at all means it never got that far.',
    '',
    '## ChaosExperimentResultMissing',
    '',
    'Prometheus has no result of the experiment at all: it never ran since the rules were loaded, the',
    'Pushgateway restarted without persistence (`--persistence.file`), or Prometheus does not scrape it.',
    '',
    '1. `curl $PUSHGATEWAY/api/v1/metrics` lists the pushed groups; look for `experiment=<experiment>`.',
    "2. Check the Pushgateway scrape job (`honor_labels: true`) in Prometheus' targets page.",
    '3. Then as for ChaosExperimentNotRun.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}
