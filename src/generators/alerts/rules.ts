import { SLO } from '../../core/metrics/names.ts';
import { is, labelMatchers, num, selector } from '../../core/promql/builder.ts';
import { budgetAsOutage, tierThreshold } from '../../core/slo/arithmetic.ts';
import { guarded, guardText } from '../../core/slo/low-traffic.ts';
import { type ResolvedSlo, severityFor } from '../../core/slo/resolve.ts';
import type { AlertingRule, RecordingRule, RuleFile } from '../../core/slo/rule-types.ts';
import { runbookUrl } from '../../core/slo/rule-types.ts';
import { BASE_WINDOW, outageCountWindows, SLICE_WINDOW, SLO_ALERTS } from '../../core/slo/series.ts';
import { badRateExpr, errorRatioExpr, totalRateExpr } from '../../core/slo/sli.ts';
import {
  BURN_TIERS,
  type BurnTier,
  burnFactor,
  formatDuration,
  humanDuration,
  summedWindow,
} from '../../core/slo/windows.ts';

export interface RuleOptions {
  runbookBaseUrl?: string;
}

/**
 * Recording and alerting rules of one SLO, in one group so every alert reads the series
 * recorded at the same evaluation (separate groups run concurrently and would lag by one
 * interval). The window is a label: slo:sli_error:ratio_rate{window="1h"}.
 */
export function sloRules(slo: ResolvedSlo, options: RuleOptions = {}): RuleFile {
  return {
    groups: [
      {
        name: `slo-${slo.name}`,
        rules: [...recordingRules(slo), ...alertingRules(slo, options)],
      },
    ],
  };
}

function ownLabels(slo: ResolvedSlo): Record<string, string> {
  return { slo: slo.name, model: slo.model };
}

function sel(slo: ResolvedSlo, extra: Record<string, string> = {}): string {
  return labelMatchers({ slo: slo.name, ...extra });
}

export function recordingRules(slo: ResolvedSlo): RecordingRule[] {
  const labels = ownLabels(slo);
  const windows = [...new Set(BURN_TIERS.flatMap((t) => [t.short, t.long]))].sort((a, b) => a - b);
  const period = formatDuration(slo.periodSec);
  const rules: RecordingRule[] = [];
  const { sli, groupBy } = slo;
  if (sli.kind === 'ratio') {
    rules.push({ record: SLO.eventRate, expr: totalRateExpr(sli, groupBy, BASE_WINDOW), labels });
    rules.push({ record: SLO.badEventRate, expr: badRateExpr(sli, groupBy, BASE_WINDOW), labels });
    // Windows of a day or more, and the period, are event-weighted sums of the recorded 5m
    // rates: errors / events, read from one recorded series. Averaging the 5m *ratios*
    // instead weights a quiet night's minute like a busy afternoon's (sloth#332).
    const summed = (w: string) =>
      `sum_over_time(${SLO.badEventRate}${sel(slo)}[${w}])\n/\nsum_over_time(${SLO.eventRate}${sel(slo)}[${w}])`;
    // The outage escape of the low-traffic guard counts failed events over each guarded
    // tier's long window (low-traffic.ts); rate × window is increase() without its
    // extrapolation, the same number the replay computes.
    for (const w of outageCountWindows(slo)) {
      rules.push({
        record: SLO.badEvents,
        expr: `(${badRateExpr(sli, groupBy, w)})\n* ${w}`,
        labels: { ...labels, window: formatDuration(w) },
      });
    }
    for (const w of [...windows, slo.periodSec]) {
      const expr =
        w === BASE_WINDOW
          ? `${SLO.badEventRate}${sel(slo)}\n/\n${SLO.eventRate}${sel(slo)}`
          : summedWindow(w)
            ? summed(formatDuration(w))
            : errorRatioExpr(sli, groupBy, w);
      rules.push({ record: SLO.errorRatio, expr, labels: { ...labels, window: formatDuration(w) } });
    }
  } else {
    if (sli.throughput) {
      rules.push({
        record: SLO.eventRate,
        expr: `sum${groupBy.length ? ` by (${groupBy.join(', ')})` : ''}(rate(${sli.throughput.total}[5m]))`,
        labels,
      });
    }
    rules.push({ record: SLO.errorRatio, expr: sli.sliceBad(groupBy), labels: { ...labels, window: SLICE_WINDOW } });
    // A time-slice SLO's error ratio over a window is the share of bad slices in it.
    for (const w of [...windows, slo.periodSec]) {
      rules.push({
        record: SLO.errorRatio,
        expr: `avg_over_time(${SLO.errorRatio}${sel(slo, { window: SLICE_WINDOW })}[${formatDuration(w)}])`,
        labels: { ...labels, window: formatDuration(w) },
      });
    }
  }
  rules.push({
    record: SLO.burnRate,
    expr: `${selector(SLO.errorRatio, [is('slo', slo.name), { label: 'window', op: '!=', value: SLICE_WINDOW }])}\n/ ${num(slo.budget)}`,
    labels,
  });
  rules.push({ record: SLO.objective, expr: `vector(${num(slo.objective)})`, labels: { slo: slo.name } });
  rules.push({ record: SLO.errorBudget, expr: `vector(${num(slo.budget)})`, labels: { slo: slo.name } });
  rules.push({
    record: SLO.budgetRemaining,
    expr: `1 - max without (window) (${SLO.errorRatio}${sel(slo, { window: period })}) / ${num(slo.budget)}`,
    labels,
  });
  return rules;
}

/**
 * A tier's alert expression; the value it carries is the long window's burn. A guarded
 * tier pages on the burn with enough traffic, or on an outage at any traffic
 * (low-traffic.ts says why, and evaluates the same condition).
 */
function tierExpr(slo: ResolvedSlo, tier: BurnTier): string {
  const factor = num(burnFactor(tier, slo.periodSec));
  const long = formatDuration(tier.long);
  const short = formatDuration(tier.short);
  const longBurn = `max without (window) (${SLO.burnRate}${sel(slo, { window: long })} > ${factor})`;
  const shortBurn = `max without (window) (${SLO.burnRate}${sel(slo, { window: short })} > ${factor})`;
  if (!guarded(slo, tier)) return `${longBurn}\nand\n${shortBurn}`;
  const busy = [longBurn, shortBurn, `${SLO.eventRate}${sel(slo)} >= ${num(slo.alerting.minEventRate)}`];
  const outage = [
    `max without (window) (${SLO.burnRate}${sel(slo, { window: long })})`,
    `${SLO.eventRate}${sel(slo)} < ${num(slo.alerting.minEventRate)}`,
    shortBurn,
    `max without (window) (${SLO.errorRatio}${sel(slo, { window: short })} >= ${num(slo.alerting.outageErrorRatio)})`,
    `max without (window) (${SLO.badEvents}${sel(slo, { window: long })} >= ${num(slo.alerting.outageMinBadEvents)})`,
  ];
  return `(\n  ${busy.join('\n  and\n  ')}\n)\nor\n(\n  ${outage.join('\n  and\n  ')}\n)`;
}

export function alertingRules(slo: ResolvedSlo, options: RuleOptions = {}): AlertingRule[] {
  const labels = ownLabels(slo);
  const who = `${slo.name} (model ${slo.model}${slo.groupBy.map((g) => `, ${g} {{ $labels.${g} }}`).join('')})`;
  const unit = slo.sli.kind === 'ratio' ? 'requests' : 'time';
  const pct = (x: number) => `${Number((x * 100).toPrecision(6))}%`;
  const budgetText = `objective ${pct(slo.objective)} over ${slo.period}: a budget of ${pct(slo.budget)} of ${unit}, ${humanDuration(budgetAsOutage(slo.objective, slo.periodSec))} of total outage`;
  const rules: AlertingRule[] = BURN_TIERS.map((tier) => {
    const factor = num(burnFactor(tier, slo.periodSec));
    const long = formatDuration(tier.long);
    const short = formatDuration(tier.short);
    const threshold = tierThreshold(tier, slo.objective, slo.periodSec);
    const exhaustAt = tier.long / tier.budgetSpent;
    return {
      alert: tier.alert,
      expr: tierExpr(slo, tier),
      labels: { severity: severityFor(slo, tier.severity), burn_tier: tier.name, ...labels },
      annotations: {
        summary: `${who} burns its error budget {{ $value | humanize }}x too fast over ${long}`,
        description:
          `Both the ${long} and ${short} windows burn faster than ${factor}x (error ratio above ${pct(threshold)}); ` +
          `at that rate ${pct(tier.budgetSpent)} of the ${slo.period} budget is spent in ${long} and all of it in ${humanDuration(exhaustAt)}. ` +
          `SLI: ${slo.sli.describe}; ${budgetText}.` +
          (guarded(slo, tier) ? ` Low-traffic guard: ${guardText(slo, tier, short, long)}.` : ''),
        runbook_url: runbookUrl(tier.alert, options.runbookBaseUrl),
      },
    };
  });
  rules.push({
    alert: SLO_ALERTS.absent,
    expr: `absent(${slo.sli.presence})`,
    for: formatDuration(slo.alerting.absentForSec),
    labels: { severity: severityFor(slo, 'page'), burn_tier: 'none', ...labels },
    annotations: {
      summary: `${slo.name}: the SLI's metric has been missing for ${formatDuration(slo.alerting.absentForSec)}`,
      description: `No series match ${slo.sli.presence}, so every burn-rate alert of ${slo.name} is blind (no data is not "no errors"). Check that Prometheus scrapes the gateway and that the model serves traffic.`,
      runbook_url: runbookUrl(SLO_ALERTS.absent, options.runbookBaseUrl),
    },
  });
  rules.push({
    alert: SLO_ALERTS.exhausted,
    expr: `${SLO.budgetRemaining}${sel(slo)} <= 0`,
    for: formatDuration(slo.alerting.exhaustedForSec),
    labels: { severity: 'ticket', burn_tier: 'period', ...labels },
    annotations: {
      summary: `${who} has spent its whole ${slo.period} error budget ({{ $value | humanizePercentage }} left)`,
      description: `The event-weighted error ratio over ${slo.period} exceeds the budget (${budgetText}). The error budget policy applies: \`steadystate slo gate\` blocks deploys other than fixes.`,
      runbook_url: runbookUrl(SLO_ALERTS.exhausted, options.runbookBaseUrl),
    },
  });
  return rules;
}
