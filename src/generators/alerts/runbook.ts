import { GATEWAY, SLO } from '../../core/metrics/names.ts';
import { budgetAsOutage, detectionTime, resetTime, tierThreshold } from '../../core/slo/arithmetic.ts';
import { guarded, guardNumbers } from '../../core/slo/low-traffic.ts';
import type { ResolvedSlo } from '../../core/slo/resolve.ts';
import { severityFor } from '../../core/slo/resolve.ts';
import { SLO_ALERTS } from '../../core/slo/series.ts';
import { BURN_TIERS, type BurnTier, burnFactor, formatDuration, humanDuration } from '../../core/slo/windows.ts';
import { SERVING_ALERTS } from './serving.ts';

/**
 * alerts/RUNBOOK.md: one section per alert (every runbook_url points at one), with the
 * numbers of each SLO computed by the same arithmetic the rules and tests use.
 */

const pct = (x: number) => `${Number((x * 100).toPrecision(4))}%`;

export function runbookMarkdown(slos: ResolvedSlo[], header: string): string {
  const out: string[] = [header.trimEnd(), '', '# Runbook: SLO and serving alerts', ''];
  out.push(
    'Every alert in `alerts/*.rules.yml` links here. First moves for any of them:',
    '',
    '1. `steadystate slo report --prometheus $PROM` — budget left, burn per window, time to exhaustion.',
    `2. Which tier answers: \`sum by (served_by) (rate(${GATEWAY.requests}{model="<model>"}[5m]))\`.`,
    `3. Why the primary fails: \`sum by (variant, reason) (rate(${GATEWAY.upstreamErrors}[5m]))\`, \`${GATEWAY.circuitState}\`.`,
    '4. Triton itself: `steadystate triton status`, `nv_inference_request_failure`, `nv_inference_queue_duration_us`.',
    '',
    'Pages go to the `page` receiver, tickets to `ticket` (`alerts/alertmanager.yml`); a page inhibits the ticket of the same SLO and model.',
    '',
    '## SLOs',
    '',
    '| SLO | model | SLI | objective | period | budget | as total outage |',
    '|---|---|---|---|---|---|---|',
  );
  for (const s of slos) {
    out.push(
      `| ${s.name} | ${s.model} | ${s.sli.describe.replaceAll('|', '\\|')} | ${pct(s.objective)} | ${s.period} | ${pct(s.budget)} | ${humanDuration(budgetAsOutage(s.objective, s.periodSec))} |`,
    );
  }
  out.push('');
  for (const tier of BURN_TIERS) {
    out.push(
      `## ${tier.alert}`,
      '',
      `Burn tier \`${tier.name}\` (SRE Workbook table 5-8): fires when both the ${formatDuration(tier.long)} and the ${formatDuration(tier.short)} windows burn the budget faster than the factor, i.e. ${pct(tier.budgetSpent)} of the period's budget would be gone within ${formatDuration(tier.long)}. Severity ${tier.severity} (non-critical SLOs: ticket).`,
      '',
      '| SLO | severity | factor | error ratio above | total outage detected after | clears after the outage ends | low-traffic guard |',
      '|---|---|---|---|---|---|---|',
    );
    for (const s of slos) {
      out.push(
        `| ${s.name} | ${severityFor(s, tier.severity)} | ${burnFactor(tier, s.periodSec)} | ${pct(tierThreshold(tier, s.objective, s.periodSec))} | ${humanDuration(detectionTime(tier, s.objective, s.periodSec))} | ${humanDuration(resetTime(tier, s.objective, s.periodSec))} | ${guarded(s, tier) ? lowTrafficCell(s, tier) : '-'} |`,
      );
    }
    out.push(
      '',
      tier.severity === 'page'
        ? 'Act now: the budget goes within days at this rate. Look for what changed (deploy, weights, faults: `GET /admin/faults`), roll back or shift weight to the healthy variant (`PUT /admin/models/{model}/weights`). The page clears about one short window after the errors stop.'
        : 'Plan a fix this week: the burn is slow but steady. Compare variants and look for a regression since the last release; the ticket clears about one short window after the burn stops.',
      '',
    );
  }
  out.push(
    `## ${SLO_ALERTS.absent}`,
    '',
    'The metric an SLO is computed from is missing, so its burn-rate alerts cannot fire: no data is not "no errors". Check the scrape target (`up{job=...}`), the gateway process, and that the model name in the SLO matches the `model` label.',
    '',
    `## ${SLO_ALERTS.exhausted}`,
    '',
    `\`${SLO.budgetRemaining}\` has been at or below 0: the period's event-weighted error ratio exceeds the budget. The error budget policy applies: \`steadystate slo gate\` blocks deploys except fixes until the budget recovers as old errors leave the window.`,
    '',
    `## ${SERVING_ALERTS.batch.toString()}`,
    '',
    'Triton forms small batches although traffic flows (average batch = nv_inference_count / nv_inference_exec_count). Check `dynamic_batching` in the model config (max_queue_delay_microseconds, preferred_batch_size), the gateway batching, and whether a client sends requests one at a time.',
    '',
    `## ${SERVING_ALERTS.gpuMemory}`,
    '',
    'GPU memory is nearly full; the next model load or a larger batch can OOM the Triton pod. Unload unused versions, lower instance counts or move a model to another GPU.',
    '',
    `## ${SERVING_ALERTS.rejections}`,
    '',
    'Triton rejects requests that wait longer than the queue policy allows (`nv_inference_request_failure{reason="REJECTED"}`). The gateway\'s fallbacks hide it from the SLOs for a while; add capacity.',
    '',
    `## ${SERVING_ALERTS.fallback}`,
    '',
    'More answers than usual come from degraded tiers (stale cache, fallback model, default). Availability still counts them as good; find out why the primary fails before the fallbacks are exhausted.',
    '',
  );
  return out.join('\n');
}

/** The guard and its outage escape in one table cell (low-traffic.ts). */
function lowTrafficCell(slo: ResolvedSlo, tier: BurnTier): string {
  const n = guardNumbers(slo, tier);
  return `>= ${n.minEventRate} events/s, or an outage: >= ${Number((n.outageErrorRatio * 100).toPrecision(6))}% of ${formatDuration(tier.short)} failing and >= ${n.outageMinBadEvents} failed over ${formatDuration(tier.long)}`;
}
